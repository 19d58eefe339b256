"""Outgoing mail over SMTP (filled in by the mail work)."""
