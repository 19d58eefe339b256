"""Errors the store raises in its own terms, so callers never handle driver exceptions."""


class InvalidValueError(ValueError):
    """The database refused a value the client sent (a NUL byte in PostgreSQL text, an integer
    beyond 64 bits, ...): a client error, answered with 400, never a server fault."""


class StatementLimitError(InvalidValueError):
    """The database refused a statement as beyond its limits: a LIKE pattern over SQLite's 50,000
    bytes (`"x" ~ body` with a long body), SQL nested deeper than its parser takes. A client's
    filter asked for it, so it is a 400, as PocketBase answers for a list query that fails."""


def describe_db_error(exc: BaseException) -> str:
    """The first line of a driver's message, for errors shown to superusers (schema changes,
    view queries): what the database said, without tracebacks or the statement."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
