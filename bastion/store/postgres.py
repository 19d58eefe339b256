"""PostgreSQL through asyncpg connections from a lean pool (pg_pool.py).

SQL arrives with `?` placeholders (the store's one convention) and is rewritten to `$1..$n` once
per distinct statement (cached). The rewrite skips quoted strings and identifiers; Bastion's SQL
never uses the jsonb `?` operator, so every bare `?` is a parameter.

Connections are released without a reset query (asyncpg's pool would run one on every release,
nearly halving throughput, DESIGN.md); Bastion sets no session state that would need resetting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from time import perf_counter
from typing import Any

import asyncpg

from bastion.obs import segment_timing
from bastion.store.database import Database, Executor, Row, Transaction
from bastion.store.errors import InvalidValueError, StatementLimitError
from bastion.store.pg_pool import ConnectionPool


@lru_cache(maxsize=4096)
def to_dollar_params(sql: str) -> str:
    out: list[str] = []
    n = 0
    quote: str | None = None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
            out.append(ch)
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            n += 1
            out.append(f"${n}")
        else:
            out.append(ch)
    return "".join(out)


def _status_count(status: str) -> int:
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class _Conn(Transaction):
    """A pooled connection, inside a transaction or (for single statements) not."""

    dialect = "postgres"

    def __init__(self, conn: asyncpg.Connection) -> None:
        super().__init__()
        self._conn = conn

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        started = perf_counter()
        try:
            rows = [dict(r) for r in await self._conn.fetch(to_dollar_params(sql), *params)]
        except (asyncpg.DataError, OverflowError) as exc:
            raise InvalidValueError(str(exc)) from exc
        except asyncpg.ProgramLimitExceededError as exc:  # "stack depth limit exceeded" …
            raise StatementLimitError(str(exc)) from exc
        segment_timing.add("db", perf_counter() - started)
        return rows

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        started = perf_counter()
        try:
            status = await self._conn.execute(to_dollar_params(sql), *params)
        except (asyncpg.DataError, OverflowError) as exc:
            raise InvalidValueError(str(exc)) from exc
        except asyncpg.ProgramLimitExceededError as exc:
            raise StatementLimitError(str(exc)) from exc
        segment_timing.add("db", perf_counter() - started)
        return _status_count(status)


class PostgresDatabase(Database):
    dialect = "postgres"

    def __init__(self, url: str, pool: ConnectionPool) -> None:
        self.url = url
        self._pool = pool

    @classmethod
    async def connect(cls, url: str, min_size: int = 2, max_size: int = 20) -> PostgresDatabase:
        pool = await ConnectionPool(url, min_size=min_size, max_size=max_size).open()
        return cls(url, pool)

    # fetch_all and execute inline what `pool.connection()` does: a generator-based context
    # manager per statement is measurable at this rate.
    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        pool = self._pool
        conn = await pool.acquire()
        try:
            return await _Conn(conn).fetch_all(sql, params)
        finally:
            pool.release(conn)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        pool = self._pool
        conn = await pool.acquire()
        try:
            return await _Conn(conn).execute(sql, params)
        finally:
            pool.release(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        async with self._pool.connection() as conn:
            tx = _Conn(conn)
            async with conn.transaction():
                yield tx
        tx.run_after_commit()

    async def table_exists(self, name: str) -> bool:
        return bool(await self.fetch_val("SELECT to_regclass(?) IS NOT NULL AS x", (f'"{name}"',)))

    async def table_columns(self, name: str) -> list[str]:
        rows = await self.fetch_all(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ? ORDER BY ordinal_position",
            (name,),
        )
        return [r["column_name"] for r in rows]

    async def close(self) -> None:
        await self._pool.close()
