"""The ephemeral-store fixtures: `stores()` parametrised over every implementation: memory, the
database's (SQLite's `ephemeral.db`, PostgreSQL's UNLOGGED table) and Redis (the fake clock,
`clock`, is in tests/conftest.py). PostgreSQL gets a fresh schema, Redis a fresh key prefix, each
removed afterwards."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bastion.store import open_database
from bastion.store.ephemeral_base import EphemeralStore
from bastion.store.ephemeral_memory import MemoryStore
from bastion.store.ephemeral_sql import SqlStore
from bastion.store.ephemeral_sqlite import EphemeralSqlite
from tests.conftest import FakeClock, fresh_pg_schema
from tests.support.redis_service import drop_keys, new_redis_store, skip_without_redis

STORE_KINDS = ["memory", "sqlite", "postgres", "redis"]


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def stores(
    store_kind: str, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[Callable[[], EphemeralStore]]:
    """`stores()` returns a store; all of them share one set of keys, as the processes of one
    deployment do: one memory table; one `ephemeral.db` opened anew each time; one PostgreSQL
    table; one Redis prefix through separate connections. Database stores expire keys by the
    test's clock (Redis by its own)."""
    if store_kind == "memory":
        shared = MemoryStore(clock=clock)
        yield lambda: shared
        return
    if store_kind == "sqlite":
        files = [EphemeralSqlite.open(tmp_path)]
        await SqlStore(files[0], clock=clock).prepare()

        def new_sqlite() -> EphemeralStore:
            files.append(EphemeralSqlite.open(tmp_path))
            return SqlStore(files[-1], clock=clock)

        yield new_sqlite
        for side in files:
            await side.close()
        return
    if store_kind == "postgres":
        async with fresh_pg_schema() as url:
            db = await open_database(url, tmp_path)
            try:
                await SqlStore(db, clock=clock).prepare()
                yield lambda: SqlStore(db, clock=clock)
            finally:
                await db.close()
        return
    await skip_without_redis()
    prefix = f"bastion-test:{secrets.token_hex(6)}:"
    made: list[EphemeralStore] = []

    def new() -> EphemeralStore:
        made.append(new_redis_store(prefix))
        return made[-1]

    yield new
    for store in made:
        await store.close()
    await drop_keys(prefix)
