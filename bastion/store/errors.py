"""Errors the store raises in its own terms, so callers never handle driver exceptions."""


class InvalidValueError(ValueError):
    """The database refused a value the client sent (a NUL byte in PostgreSQL text, an integer
    beyond 64 bits, ...): a client error, answered with 400, never a server fault."""
