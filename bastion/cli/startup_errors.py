"""Start-up failures of `bastion serve` as one line for the person who typed the command.

A traceback of 40 to 136 lines for a busy port or a stopped PostgreSQL hides the one fact that
matters. Each failure a user can cause (the address, the data directory, the database) becomes
one line that names the setting as the user gave it (`--db`, `BASTION_DATABASE_URL`,
`database_url in bastion.toml`) and what to do; anything else is still one line, with the
traceback only at `--log-level debug`.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

from bastion.config import Config


class StartupError(Exception):
    """A start-up failure already put into words: print `str(exc)` and exit 1."""


def _named(cfg: Config, name: str) -> str:
    """` (--db)`, or nothing when the value is the default."""
    origin = cfg.origin(name, "")
    return f" ({origin})" if origin else ""


def shown_url(url: str) -> str:
    """The database URL without its password, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def check_data_dir(cfg: Config) -> None:
    """The data directory exists (made if missing) and takes new files; else a StartupError."""
    path = cfg.data_dir
    where = f"the data directory {path}{_named(cfg, 'data_dir')}"
    if path.exists() and not path.is_dir():
        raise StartupError(f"cannot use {where}: it is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise StartupError(f"cannot use {where}: {exc.strerror or exc}") from None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what caused it (a store may wrap the driver's error)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _postgres_message(exc: BaseException, cfg: Config) -> str | None:
    import asyncpg

    parts = urlsplit(cfg.database_url)
    database = parts.path.lstrip("/") or parts.username or "postgres"
    address = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    where = f"{cfg.origin('database_url')} {shown_url(cfg.database_url)}"
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return (
            f'PostgreSQL at {address} has no database "{database}" ({where}): '
            f"create it (createdb {database}) or name another one"
        )
    if isinstance(exc, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        return f"PostgreSQL at {address} refused the login ({where}): {exc}"
    if isinstance(exc, asyncpg.PostgresError):
        return f"PostgreSQL at {address} answered an error ({where}): {exc}"
    if isinstance(exc, OSError | TimeoutError):
        if isinstance(exc, TimeoutError):
            reason = "timed out"
        else:  # asyncpg's own text repeats the address: the errno's name says it plainly
            reason = (os.strerror(exc.errno) if exc.errno else str(exc)).lower()
        return f"cannot connect to PostgreSQL at {address} ({where}): {reason}; is it running?"
    return None


def describe(exc: BaseException, cfg: Config) -> str:
    """One line for any exception raised while opening the data directory and the database."""
    if isinstance(exc, StartupError):
        return str(exc)
    postgres = cfg.database_url.startswith(("postgres://", "postgresql://"))
    for cause in _chain(exc):
        if postgres:
            message = _postgres_message(cause, cfg)
            if message:
                return message
        elif isinstance(cause, sqlite3.Error):
            return f"cannot open the SQLite database in {cfg.data_dir}{_named(cfg, 'data_dir')}: {cause}"
        elif isinstance(cause, OSError) and cause.filename:
            return f"cannot use {cause.filename}{_named(cfg, 'data_dir')}: {cause.strerror or cause}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"unexpected {type(exc).__name__}: {text} (BASTION_LOG_LEVEL=debug shows the traceback)"
