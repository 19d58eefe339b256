"""Version stamps: counters in `_params` that say when the schema, the settings or the outbox's
routes (webhooks, sinks: what a record change is delivered to) last changed.

Every process keeps the collections and the settings in memory. Each change to them bumps its
counter in the same transaction that makes the change, so a process that reads a counter higher
than the one it loaded knows its copy is stale (App.refresh_if_stale). Read by primary key, the
pair costs one indexed lookup.

`StampKeeper` is one process's view: the counters its in-memory copies reflect. A change this
process commits itself advances them on commit (its copies are updated in place by the caller),
unless another process bumped in between: then the next request reloads.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field, replace
from typing import Literal

from bastion.store import auth_version
from bastion.store.database import Executor

Kind = Literal["schema", "settings", "outbox"]

# The `_params` rows (PocketBase keeps only `settings` there; these names cannot clash with it)
_PARAM_IDS: dict[Kind, str] = {
    "schema": "bastion_schema_version",
    "settings": "bastion_settings_version",
    "outbox": "bastion_outbox_version",
}
# with the auth records' counter, which triggers keep on PostgreSQL (store/auth_version.py)
_READ_SQL = 'SELECT "id", "value", "updated" FROM "_params" WHERE "id" IN (?, ?, ?, ?)'
_READ_IDS = (*_PARAM_IDS.values(), auth_version.PARAM_ID)
_BUMP_SQL = {
    "sqlite": 'INSERT INTO "_params" ("id", "value", "created", "updated") VALUES (?, 1, ?, ?) '
    'ON CONFLICT ("id") DO UPDATE SET "value" = "value" + 1, "updated" = excluded."updated" '
    'RETURNING "value"',
    "postgres": 'INSERT INTO "_params" ("id", "value", "created", "updated") VALUES (?, \'1\'::jsonb, ?, ?) '
    'ON CONFLICT ("id") DO UPDATE SET "value" = to_jsonb(("_params"."value" #>> \'{}\')::bigint + 1), '
    '"updated" = EXCLUDED."updated" RETURNING "value"',
}


@dataclass(frozen=True)
class Stamp:
    schema: int = 0
    settings: int = 0
    outbox: int = 0
    # Not a counter of this process's copies: the version of the auth records (PostgreSQL, ""
    # before any was written), which the request that read it checks kept auth records against.
    auth: str = field(default="", compare=False)

    def newer_than(self, other: Stamp) -> bool:
        return self.schema > other.schema or self.settings > other.settings or self.outbox > other.outbox


async def read_stamp(db: Executor) -> Stamp:
    """The counters as committed now (0 for one never bumped)."""
    rows = await db.fetch_all(_READ_SQL, _READ_IDS)
    values = {r["id"]: r for r in rows}
    auth = values.get(auth_version.PARAM_ID)
    schema, settings, outbox = (
        int(values[param]["value"]) if param in values else 0 for param in _PARAM_IDS.values()
    )
    return Stamp(
        schema, settings, outbox, auth_version.version_of(auth["value"], auth["updated"]) if auth else ""
    )


async def bump(tx: Executor, kind: Kind, now: str = "") -> int:
    """Add one to `kind`'s counter inside the open transaction `tx`; returns the new value.
    (The row lock this takes also orders concurrent changes: their values never repeat.)"""
    row = await tx.fetch_one(_BUMP_SQL[tx.dialect], (_PARAM_IDS[kind], now, now))
    return int(row["value"]) if row else 0


def _with(stamp: Stamp, kind: Kind, value: int) -> Stamp:
    if kind == "schema":
        return replace(stamp, schema=value)
    if kind == "settings":
        return replace(stamp, settings=value)
    return replace(stamp, outbox=value)


class StampKeeper:
    """The stamp this process's in-memory schema and settings reflect."""

    def __init__(self) -> None:
        self.known = Stamp()

    async def bump(self, tx: Executor, kind: Kind, now: str = "") -> None:
        """Bump `kind` in `tx`; once committed, count the change as known here when it directly
        follows what this process had (the caller applies it to its in-memory copy)."""
        value = await bump(tx, kind, now)
        tx.on_commit(lambda: self._advance(kind, value))

    def _advance(self, kind: Kind, value: int) -> None:
        if getattr(self.known, kind) == value - 1:
            self.known = _with(self.known, kind, value)

    def loaded(self, kind: Kind, value: int) -> None:
        """`kind` was just read whole at `value` or later (a stamp read before the data)."""
        if value > getattr(self.known, kind):
            self.known = _with(self.known, kind, value)


class SharedStampReader:
    """Reads the stamp for many concurrent requests at once, with the same guarantee as a read
    per request.

    A request may use a read only if the read was sent after the request arrived (then it sees
    every change acknowledged before). So a request that finds a read under way waits for the
    next one, which every request arriving meanwhile shares: under load one round trip serves a
    whole batch of requests instead of one each. Meant for databases whose statements suspend
    (PostgreSQL); SQLite's inline reads need none of this.
    """

    def __init__(self, db: Executor) -> None:
        self._db = db
        self._waiting: asyncio.Future[Stamp] | None = None  # for the next read to be sent
        self._driver: asyncio.Task[None] | None = None

    async def read(self) -> Stamp:
        if self._waiting is None:
            self._waiting = asyncio.get_running_loop().create_future()
            # a waiter that goes away never leaves an exception unretrieved
            self._waiting.add_done_callback(lambda f: f.cancelled() or f.exception())
            if self._driver is None or self._driver.done():
                self._driver = asyncio.create_task(self._drive())
        # shielded: one cancelled request must not cancel the read the others wait for
        return await asyncio.shield(self._waiting)

    async def _drive(self) -> None:
        while (batch := self._waiting) is not None:
            self._waiting = None  # from here on, arrivals wait for the next read
            try:
                batch.set_result(await read_stamp(self._db))
            except asyncio.CancelledError:
                batch.cancel()
                raise
            except Exception as exc:  # noqa: BLE001 - each waiter raises it (503 for the database)
                batch.set_exception(exc)

    async def close(self) -> None:
        if self._waiting is not None:
            self._waiting.cancel()
            self._waiting = None
        if self._driver is not None and not self._driver.done():
            self._driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._driver
