"""Errors the store raises in its own terms, so callers never handle driver exceptions.

    InvalidValueError(ValueError)          the database refused a value the client sent   -> 400
    ConstraintViolation(Exception)         a write broke a constraint (NOT NULL, CHECK, ...)
     ├── UniqueViolation                   ... a unique index or primary key
     └── ForeignKeyViolation               ... a foreign key
    DatabaseUnavailable(ConnectionError)   the database cannot serve the statement now     -> 503
     └── DatabaseBusy                      ... because it is busy (locked, pool exhausted)  -> 503

Each `DatabaseUnavailable` says why in one line (`cause`) and how long a client should wait
before retrying (`retry_after`, seconds); the driver's own exception is its `__cause__`. It is a
`ConnectionError` (an `OSError`) so that start-up code handling an unreachable server also handles
it.
"""

from __future__ import annotations


class InvalidValueError(ValueError):
    """The database refused a value the client sent (a NUL byte in PostgreSQL text, an integer
    beyond 64 bits, ...): a client error, answered with 400, never a server fault."""


class ConstraintViolation(Exception):
    """A write broke one of the table's constraints. `constraint` is the constraint or index the
    database names ("" when it names none: SQLite names columns instead), `columns` the columns it
    names (empty when it does not say). Callers decide what it means to a client; uncaught it is a
    server fault (500), as the driver's own error was."""

    def __init__(self, message: str, *, constraint: str = "", columns: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.constraint = constraint
        self.columns = columns


class UniqueViolation(ConstraintViolation):
    """Two rows would share a value a unique index or primary key keeps unique."""


class ForeignKeyViolation(ConstraintViolation):
    """A row would point at a row that is not there (or one still pointed at was deleted)."""


class DatabaseUnavailable(ConnectionError):
    """The database cannot answer now: unreachable, refusing connections, shutting down, frozen
    past a timeout, or (SQLite) a failing disk. Nothing was wrong with the request; the same
    request may succeed later."""

    retry_after: int = 5

    def __init__(self, cause: str, *, retry_after: int | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        if retry_after is not None:
            self.retry_after = retry_after

    def __str__(self) -> str:
        return self.cause


class DatabaseBusy(DatabaseUnavailable):
    """The database is up but busy: SQLite's write lock is held by someone else past the busy
    timeout, or every pooled PostgreSQL connection stayed taken past the acquire timeout."""

    retry_after = 1


class StatementLimitError(InvalidValueError):
    """The database refused a statement as beyond its limits: a LIKE pattern over SQLite's 50,000
    bytes (`"x" ~ body` with a long body), SQL nested deeper than its parser takes. A client's
    filter asked for it, so it is a 400, as PocketBase answers for a list query that fails."""


def describe_db_error(exc: BaseException) -> str:
    """The first line of a driver's message, for errors shown to superusers (schema changes,
    view queries): what the database said, without tracebacks or the statement."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
