"""Bastion: a self-hosted backend in one command, wire-compatible with PocketBase."""

__version__ = "0.1.0"
