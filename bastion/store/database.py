"""The store's interface (database_open.py picks an implementation from a URL)."""

from __future__ import annotations

import asyncio
import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from bastion.obs.metric_tally import PoolStats
from bastion.store import auth_version
from bastion.store.dialect import SqlDialect
from bastion.store.errors import DatabaseUnavailable

Row = dict[str, Any]


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long the store waits for the database before answering `DatabaseUnavailable`
    (seconds; 0 means no limit for `statement`). Set from the `db_*_timeout` settings."""

    connect: float = 5.0  # PostgreSQL: opening a connection
    acquire: float = 10.0  # waiting for a free pooled connection; SQLite: for the write lock
    statement: float = 30.0  # PostgreSQL: one statement's round trip
    pool_idle: float = 300.0  # PostgreSQL: a connection beyond the pool's minimum, unused, is closed


class Executor(ABC):
    """Something that runs SQL: the database itself (autocommit) or an open transaction."""

    dialect: str  # "sqlite" | "postgres"
    sql: SqlDialect  # what differs between the two, as data (store/dialect.py)

    @abstractmethod
    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_val(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else next(iter(row.values()))

    async def fetch_count(self, sql: str, params: Sequence[Any] = ()) -> int:
        """The single number a `SELECT COUNT(*) …` gives. A database may answer it from a cache
        that it knows to be exact (SQLite: store/read_cache.py); a transaction never does."""
        return int(await self.fetch_val(sql, params) or 0)

    @abstractmethod
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; returns the number of rows it changed."""

    async def execute_script(self, statements: Sequence[str]) -> None:
        for sql in statements:
            await self.execute(sql)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the surrounding transaction has committed (never after a rollback).
        Outside a transaction every statement commits by itself, so it runs at once."""
        callback()


class Transaction(Executor):
    """An open transaction: collects after-commit callbacks for its database to run."""

    def __init__(self) -> None:
        self._after_commit: list[Callable[[], None]] = []

    def on_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def run_after_commit(self) -> None:
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()


class Database(Executor):
    """A connection pool plus a way to run a unit of work atomically."""

    url: str

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        """`async with db.transaction() as tx:` commits on success, rolls back on any exception."""

    @abstractmethod
    async def close(self) -> None: ...

    def changed_since_last_look(self) -> bool:
        """Whether another connection may have committed since this was last asked: a check
        that costs no query (App.refresh_if_stale reads the version stamp only then). A database
        that cannot tell that cheaply always says True."""
        return True

    # Answers kept while nothing commits (store/read_cache.py). A database that cannot tell when
    # anything commits has no version, and keeps nothing.
    def read_version(self) -> int | None:
        """A number that changes whenever anything commits; read it before reading an answer
        to keep. None: this database keeps no answers."""
        return None

    def recall(self, key: Hashable, version: Hashable) -> Any:
        """The answer kept for `key` while the database is still at `version`, else None."""
        return None

    def keep(self, key: Hashable, version: Hashable, answer: Any) -> None:
        """Keep `answer` (read after `version` was read) for `recall`."""

    async def auth_records_version(self, collection_id: str, updated: str, table: str) -> Hashable | None:
        """A version of an auth collection's records for `recall`/`keep` that changes whenever
        one of them is written; None: keep none. The counter triggers keep for the table
        (store/auth_version.py) as this request found it, else the whole database's version."""
        seen = auth_version.request_auth_version.get()
        if seen and await self.auth_triggers.covers(self, collection_id, updated, table):
            return seen
        return self.read_version()

    @functools.cached_property
    def auth_triggers(self) -> auth_version.Triggers:
        """Which auth tables carry the counter's triggers, as this process last looked."""
        return auth_version.Triggers()

    @abstractmethod
    async def table_exists(self, name: str) -> bool: ...

    @abstractmethod
    async def table_columns(self, name: str) -> list[str]: ...

    def pool_stats(self) -> PoolStats | None:
        """The connection pool's state now (the metrics); None without a pool (SQLite)."""
        return None

    async def ping(self, timeout: float) -> None:
        """Run a trivial query within `timeout` seconds (readiness checks); raises
        `DatabaseUnavailable` saying why when the database does not answer in time."""
        try:
            async with asyncio.timeout(timeout):
                await self.fetch_val("SELECT 1")
        except TimeoutError as exc:
            raise DatabaseUnavailable(f"no answer to a trivial query within {timeout:g} s") from exc
