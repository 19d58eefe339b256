"""Rate-limit fixtures: one ephemeral-store fixture parametrised over every
implementation: memory, the database's (SQLite's `ephemeral.db`, PostgreSQL's UNLOGGED table)
and Redis (the fake clock, `clock`, is in tests/conftest.py).

PostgreSQL tests get a fresh schema, Redis tests a fresh key prefix, each removed afterwards.
When a service is absent they skip with the reason, unless BASTION_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bastion.store import open_database
from bastion.store.ephemeral_base import EphemeralStore
from bastion.store.ephemeral_memory import MemoryStore
from bastion.store.ephemeral_sql import SqlStore
from bastion.store.ephemeral_sqlite import EphemeralSqlite
from tests.conftest import FakeClock, fresh_pg_schema, skip_or_fail

REDIS_URL = os.environ.get("BASTION_TEST_REDIS", "redis://127.0.0.1:6379/0")


# what the rate-limited API scenarios share: PocketBase's 429 body, and turning limits on
TOO_MANY = {"data": {}, "message": "Too Many Requests.", "status": 429}


async def enable(api: Any, *rules: dict[str, Any], excluded: list[str] | None = None) -> None:
    body = {"rateLimits": {"enabled": True, "rules": list(rules), "excludedIPs": excluded or []}}
    r = await api.su("PATCH", "/api/settings", json=body)
    assert r.status_code == 200, r.text


def rule(label: str, max_requests: int, duration: int = 60, audience: str = "") -> dict[str, Any]:
    return {"label": label, "audience": audience, "duration": duration, "maxRequests": max_requests}


async def redis_problem() -> str | None:
    try:
        import redis.asyncio as redis_asyncio
    except ImportError:
        return "the `redis` package is not installed"
    client = redis_asyncio.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except (OSError, redis_asyncio.RedisError) as exc:
        return f"Redis at {REDIS_URL} is not reachable: {exc}"
    finally:
        await client.aclose()
    return None


async def skip_without_redis() -> None:
    problem = await redis_problem()
    if problem:
        skip_or_fail(problem)


async def drop_keys(prefix: str) -> None:
    import redis.asyncio as redis_asyncio

    client = redis_asyncio.Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix no other test uses (skips without Redis); its keys are removed afterwards."""
    await skip_without_redis()
    prefix = f"bastion-test:{secrets.token_hex(6)}:"
    yield prefix
    await drop_keys(prefix)


def new_redis_store(prefix: str) -> EphemeralStore:
    from bastion.store.ephemeral_redis import RedisStore

    return RedisStore(REDIS_URL, prefix=prefix)


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
