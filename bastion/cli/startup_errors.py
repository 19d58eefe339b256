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


def _postgres_message(chain: list[BaseException], cfg: Config) -> str | None:
    """The driver's own error decides (a store may wrap it, e.g. as "database unavailable"):
    the most specific cause anywhere in the chain wins."""
    import asyncpg  # here, not at the top: the command line starts without the driver (0.4 s)

    parts = urlsplit(cfg.database_url)
    database = parts.path.lstrip("/") or parts.username or "postgres"
    address = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    where = f"{cfg.origin('database_url')} {shown_url(cfg.database_url)}"

    def first(kind: type | tuple[type, ...]) -> BaseException | None:
        return next((c for c in chain if isinstance(c, kind)), None)

    if first(asyncpg.InvalidCatalogNameError):
        return (
            f'PostgreSQL at {address} has no database "{database}" ({where}): '
            f"create it (createdb {database}) or name another one"
        )
    login = first((asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError))
    if login is not None:
        return f"PostgreSQL at {address} refused the login ({where}): {login}"
    answered = first(asyncpg.PostgresError)
    if answered is not None:
        return f"PostgreSQL at {address} answered an error ({where}): {answered}"
    if first(TimeoutError):
        return f"cannot connect to PostgreSQL at {address} ({where}): no answer in time; is it running?"
    with_errno = next((c for c in chain if isinstance(c, OSError) and c.errno), None)
    if with_errno is not None:  # asyncpg's text repeats the address: the errno's name says it plainly
        reason = os.strerror(with_errno.errno or 0).lower()
        return f"cannot connect to PostgreSQL at {address} ({where}): {reason}; is it running?"
    other = first(OSError)
    if other is not None:
        return f"cannot connect to PostgreSQL at {address} ({where}): {other}"
    return None


def describe(exc: BaseException, cfg: Config) -> str:
    """One line for any exception raised while opening the data directory and the database."""
    chain = list(_chain(exc))
    if cfg.database_url.startswith(("postgres://", "postgresql://")):
        message = _postgres_message(chain, cfg)
        if message:
            return message
    for cause in chain:
        if isinstance(cause, sqlite3.Error):
            return f"cannot open the SQLite database in {cfg.data_dir}{_named(cfg, 'data_dir')}: {cause}"
        if isinstance(cause, OSError) and cause.filename:
            return f"cannot use {cause.filename}{_named(cfg, 'data_dir')}: {cause.strerror or cause}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, StartupError) or type(exc).__module__.startswith("bastion."):
        # Bastion's own errors are worded for the person at the terminal (e.g. an App that refuses
        # a database it must not serve names what to do): print them as they are.
        return text
    return f"unexpected {type(exc).__name__}: {text} (BASTION_LOG_LEVEL=debug shows the traceback)"
