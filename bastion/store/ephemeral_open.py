"""Which ephemeral store a process opens, from its configuration.

ratelimit_redis_url set     Redis (several nodes share it)
ratelimit_store = database  the default: PostgreSQL's UNLOGGED `_ephemeral` table, or
                            `ephemeral.db` beside SQLite's data, shared by every worker and
                            every node on the same database
ratelimit_store = memory    this process only: each worker counts on its own
"""

from __future__ import annotations

import time
from pathlib import Path

from bastion.store.database import Executor
from bastion.store.ephemeral_base import Clock, EphemeralStore
from bastion.store.ephemeral_memory import MemoryStore
from bastion.store.ephemeral_sql import SqlStore
from bastion.store.ephemeral_sqlite import EphemeralSqlite

KINDS = ("database", "memory")


async def open_ephemeral(
    kind: str, *, redis_url: str, db: Executor, data_dir: Path, clock: Clock = time.time
) -> EphemeralStore:
    """The store for `kind` (see KINDS); Redis whenever `redis_url` is set."""
    if redis_url:
        from bastion.store.ephemeral_redis import RedisStore  # loads the redis package only when used

        return RedisStore(redis_url)
    if kind == "memory":
        return MemoryStore(clock=clock)
    if kind != "database":
        raise ValueError(f"unknown ephemeral store {kind!r}: one of {', '.join(KINDS)}")
    if db.dialect == "postgres":
        return await SqlStore(db, clock=clock).prepare()
    side = EphemeralSqlite.open(data_dir)
    return await SqlStore(side, clock=clock, on_close=side.close).prepare()
