"""Redis for the tests: where it is (BASTION_TEST_REDIS), whether it answers, a key prefix of a
test's own (removed afterwards), and a Redis ephemeral store on a prefix. Without Redis, tests
skip with the reason, unless BASTION_REQUIRE_SERVICES=1."""

from __future__ import annotations

import os

from bastion.store.ephemeral_base import EphemeralStore
from tests.conftest import skip_or_fail

REDIS_URL = os.environ.get("BASTION_TEST_REDIS", "redis://127.0.0.1:6379/0")


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


def new_redis_store(prefix: str) -> EphemeralStore:
    from bastion.store.ephemeral_redis import RedisStore

    return RedisStore(REDIS_URL, prefix=prefix)
