"""Observability: time spent per request segment (Server-Timing); logs live in bastion.http.log_format."""
