"""The database ephemeral store: one table every process on the same database shares.

On PostgreSQL the table is UNLOGGED in the data database: no write-ahead log, so a counter costs
one small round trip and no fsync, and PostgreSQL empties it after a crash (which loses nothing
that matters). On SQLite it lives in `ephemeral.db` beside the data (ephemeral_sqlite.py), so
counter writes never contend with data writes.

Every operation is one statement, atomic on its own: `incr` is an upsert that restarts an expired
key and returns the new count, `take` a DELETE … RETURNING. Expired rows are ignored by reads and
swept by a DELETE at most every `sweep_every` seconds, by whichever process comes first; the
table holds at most the keys of the last window, which the request rate bounds. Database faults
become `StoreUnavailable`, so a limiter lets requests through rather than failing them.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from bastion.store.database import Executor
from bastion.store.ephemeral_base import Clock, EphemeralStore, StoreUnavailable
from bastion.store.errors import DatabaseUnavailable

TABLE = "_ephemeral"
# The one difference between the dialects: PostgreSQL's table is UNLOGGED.
_CREATE = {
    "postgres": f'CREATE UNLOGGED TABLE IF NOT EXISTS "{TABLE}" '
    '("key" TEXT PRIMARY KEY, "value" TEXT NOT NULL, "expires" DOUBLE PRECISION NOT NULL)',
    "sqlite": f'CREATE TABLE IF NOT EXISTS "{TABLE}" '
    '("key" TEXT PRIMARY KEY, "value" TEXT NOT NULL, "expires" REAL NOT NULL) WITHOUT ROWID',
}
_INDEX = f'CREATE INDEX IF NOT EXISTS "{TABLE}_expires" ON "{TABLE}" ("expires")'
# (key, new expiry, now, now): a live key counts on, an expired one starts again at 1
_INCR = (
    f'INSERT INTO "{TABLE}" AS t ("key", "value", "expires") VALUES (?, \'1\', ?) '
    'ON CONFLICT ("key") DO UPDATE SET '
    '"value" = CASE WHEN t."expires" <= ? THEN \'1\' '
    'ELSE CAST(CAST(t."value" AS BIGINT) + 1 AS TEXT) END, '
    '"expires" = CASE WHEN t."expires" <= ? THEN excluded."expires" ELSE t."expires" END '
    'RETURNING "value"'
)
_GET = f'SELECT "value" FROM "{TABLE}" WHERE "key" = ? AND "expires" > ?'
_SET = (
    f'INSERT INTO "{TABLE}" ("key", "value", "expires") VALUES (?, ?, ?) '
    'ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "expires" = excluded."expires"'
)
_TAKE = f'DELETE FROM "{TABLE}" WHERE "key" = ? RETURNING "value", "expires"'
_SWEEP = f'DELETE FROM "{TABLE}" WHERE "expires" <= ?'


class SqlStore(EphemeralStore):
    """Keys in `_ephemeral` through `db` (the PostgreSQL database, or `ephemeral.db`);
    `on_close` releases what the store owns (`ephemeral.db`, not the App's database)."""

    def __init__(
        self,
        db: Executor,
        *,
        clock: Clock = time.time,
        sweep_every: float = 30.0,
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.sweep_every = sweep_every
        self._on_close = on_close
        self._next_sweep = 0.0

    async def prepare(self) -> SqlStore:
        """Create the table when missing (each process at start; concurrent starts are fine)."""
        for statement in (_CREATE[self.db.dialect], _INDEX):
            try:
                await self.db.execute(statement)
            except DatabaseUnavailable:
                raise
            except Exception:
                # Two PostgreSQL workers racing on CREATE … IF NOT EXISTS: one wins, the other
                # fails on the catalog's unique index; the table is there either way.
                if not await self._table_exists():
                    raise
        return self

    async def _table_exists(self) -> bool:
        try:
            await self.db.fetch_all(f'SELECT 1 FROM "{TABLE}" LIMIT 1')
        except DatabaseUnavailable:
            raise
        except Exception:
            return False
        return True

    async def incr(self, key: str, ttl: float) -> int:
        now = await self._now()
        rows = await self._rows(_INCR, (key, now + ttl, now, now))
        return int(rows[0]["value"])

    async def get(self, key: str) -> str | None:
        rows = await self._rows(_GET, (key, await self._now()))
        return str(rows[0]["value"]) if rows else None

    async def set(self, key: str, value: str, ttl: float) -> None:
        now = await self._now()
        await self._execute(_SET, (key, value, now + ttl))

    async def take(self, key: str) -> str | None:
        now = await self._now()
        rows = await self._rows(_TAKE, (key,))
        if not rows or float(rows[0]["expires"]) <= now:
            return None
        return str(rows[0]["value"])

    async def delete(self, *keys: str) -> None:
        if keys:
            marks = ", ".join("?" for _ in keys)
            await self._execute(f'DELETE FROM "{TABLE}" WHERE "key" IN ({marks})', keys)

    async def close(self) -> None:
        if self._on_close is not None:
            await self._on_close()

    # ---- statements ---------------------------------------------------------------------------

    async def _now(self) -> float:
        """The store's time; once every `sweep_every` seconds, expired rows are deleted first."""
        now = self.clock()
        if now >= self._next_sweep:
            self._next_sweep = now + self.sweep_every
            await self._execute(_SWEEP, (now,))
        return now

    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        try:
            return await self.db.fetch_all(sql, params)
        except DatabaseUnavailable as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        try:
            await self.db.execute(sql, params)
        except DatabaseUnavailable as exc:
            raise StoreUnavailable(str(exc)) from exc
