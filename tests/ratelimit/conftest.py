"""Rate-limit fixtures: a fake clock, and one store fixture parametrised over memory and Redis.

Redis tests use a fresh key prefix each and delete their keys afterwards. When Redis (or the
`redis` package) is absent they skip with the reason, unless BASTION_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable

import pytest

from bastion.ratelimit import CounterStore, MemoryStore
from tests.conftest import require_services

REDIS_URL = os.environ.get("BASTION_TEST_REDIS", "redis://127.0.0.1:6379/0")


class FakeClock:
    """Seconds since the epoch that only move when a test says so."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


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
        if require_services():
            pytest.fail(problem)
        pytest.skip(problem)


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


def new_redis_store(prefix: str) -> CounterStore:
    from bastion.ratelimit.store_redis import RedisStore

    return RedisStore(REDIS_URL, prefix=prefix)


@pytest.fixture(params=["memory", "redis"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def stores(store_kind: str, clock: FakeClock) -> AsyncIterator[Callable[[], CounterStore]]:
    """`stores()` returns a store; all of them share one set of keys (one memory table, or one
    Redis prefix through separate connections), as the nodes of one deployment do."""
    if store_kind == "memory":
        shared = MemoryStore(clock=clock)
        yield lambda: shared
        return
    await skip_without_redis()
    prefix = f"bastion-test:{secrets.token_hex(6)}:"
    made: list[CounterStore] = []

    def new() -> CounterStore:
        made.append(new_redis_store(prefix))
        return made[-1]

    yield new
    for store in made:
        await store.close()
    await drop_keys(prefix)
