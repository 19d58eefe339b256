"""One contract for every ephemeral store (memory, SQLite's ephemeral.db, PostgreSQL's UNLOGGED
table, Redis): the primitives, the limiter's windows and the login lockout behave the same
whichever store holds the keys, and stores of one deployment (processes) share them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from bastion.errors import TooManyRequestsError
from bastion.ratelimit import Limiter, LimitOptions, lockout
from bastion.store import open_database
from bastion.store.ephemeral_base import EphemeralStore
from bastion.store.ephemeral_memory import MemoryStore
from bastion.store.ephemeral_open import open_ephemeral
from bastion.store.ephemeral_sql import SqlStore
from bastion.store.ephemeral_sqlite import FILE_NAME
from tests.support.redis_service import REDIS_URL

Stores = Callable[[], EphemeralStore]


async def test_incr_counts_each_key_from_one(stores: Stores) -> None:
    store = stores()
    assert [await store.incr("a", 60) for _ in range(3)] == [1, 2, 3]
    assert await store.incr("b", 60) == 1
    assert await store.get("a") == "3"


async def test_get_set_delete(stores: Stores) -> None:
    store = stores()
    assert await store.get("missing") is None
    await store.set("k", "one", 60)
    await store.set("k", "two", 60)
    assert await store.get("k") == "two"
    await store.delete("k", "never-there")
    assert await store.get("k") is None
    assert await store.incr("k", 60) == 1  # a deleted counter starts again


async def test_take_hands_a_value_to_one_caller(stores: Stores) -> None:
    first, second = stores(), stores()
    assert await first.take("missing") is None
    await first.set("handoff", "payload", 60)
    assert await second.take("handoff") == "payload"
    assert await first.take("handoff") is None
    assert await first.get("handoff") is None
    await first.set("race", "once", 60)
    taken = await asyncio.gather(*(store.take("race") for store in (first, second) * 4))
    assert (taken.count("once"), taken.count(None)) == (1, 7)


async def test_concurrent_counts_are_never_lost(stores: Stores) -> None:
    first, second = stores(), stores()
    counts = await asyncio.gather(*(store.incr("busy", 60) for store in (first, second) * 25))
    assert sorted(counts) == list(range(1, 51))


async def test_keys_expire_by_the_stores_clock(stores: Stores, store_kind: str, clock) -> None:
    if store_kind == "redis":
        pytest.skip("Redis expires keys by its own clock")
    store = stores()
    await store.incr("counter", 10)
    await store.set("value", "x", 10)
    await store.set("handoff", "y", 10)
    clock.advance(9)
    assert (await store.get("counter"), await store.get("value")) == ("1", "x")
    await store.set("value", "x", 10)  # setting again starts its time anew
    clock.advance(1)
    assert await store.get("counter") is None
    assert await store.incr("counter", 10) == 1  # an expired counter starts again
    assert await store.take("handoff") is None
    assert await store.get("value") == "x"


async def test_stores_of_one_deployment_share_counts(stores: Stores) -> None:
    first, second = stores(), stores()
    await first.incr("shared", 60)
    assert await second.incr("shared", 60) == 2
    await second.set("lock", "x", 60)
    assert await first.get("lock") == "x"


async def test_limiter_refuses_past_the_limit_until_the_window_ends(stores: Stores, clock) -> None:
    limiter = Limiter(stores(), clock=clock)
    clock.now = 6000.0 + 45  # 15 s left in the 60 s window that started at 6000
    assert [await limiter.consume("b", 3, 60) for _ in range(3)] == [None, None, None]
    assert await limiter.consume("b", 3, 60) == 15
    assert await limiter.consume("other", 3, 60) is None  # buckets are independent
    clock.advance(14.5)
    assert await limiter.consume("b", 3, 60) == 1  # never "retry after 0"
    clock.advance(0.5)
    assert await limiter.consume("b", 3, 60) is None  # a new window


async def test_limiters_on_shared_keys_count_together(stores: Stores, clock) -> None:
    one, two = Limiter(stores(), clock=clock), Limiter(stores(), clock=clock)
    assert await one.consume("b", 2, 60) is None
    assert await two.consume("b", 2, 60) is None
    assert await one.consume("b", 2, 60) is not None
    assert await two.consume("b", 2, 60) is not None


def _app(limiter: Limiter) -> SimpleNamespace:
    return SimpleNamespace(limiter=limiter)


USERS = SimpleNamespace(id="_pb_users_auth_")
ALICE = SimpleNamespace(id="alice0000000001")
IP = "192.0.2.7"


async def test_lockout_after_n_failures_and_for_the_cool_down(stores: Stores, clock) -> None:
    opts = LimitOptions(lockout_failures=3, lockout_window=600, lockout_duration=300)
    app = _app(Limiter(stores(), opts, clock=clock))
    for _ in range(2):
        await lockout.check(app, USERS, "alice@example.com", ALICE, client=IP)
        await lockout.record_failure(app, USERS, "alice@example.com", ALICE, client=IP)
    await lockout.check(app, USERS, "alice@example.com", ALICE, client=IP)
    await lockout.record_failure(app, USERS, "alice@example.com", ALICE, client=IP)
    with pytest.raises(TooManyRequestsError) as err:
        await lockout.check(app, USERS, "alice@example.com", ALICE, client=IP)
    assert err.value.retry_after == 300
    # another client is not locked out
    await lockout.check(app, USERS, "alice@example.com", ALICE, client="192.0.2.8")
    # the same account by another identity field is the same account
    with pytest.raises(TooManyRequestsError):
        await lockout.check(app, USERS, "alice", ALICE, client=IP)
    clock.advance(299)
    with pytest.raises(TooManyRequestsError) as err:
        await lockout.check(app, USERS, "alice@example.com", ALICE, client=IP)
    assert err.value.retry_after == 1
    clock.advance(1)
    await lockout.check(app, USERS, "alice@example.com", ALICE, client=IP)
    # after the cool-down the count starts again from zero
    await lockout.record_failure(app, USERS, "alice@example.com", ALICE, client=IP)
    await lockout.check(app, USERS, "alice@example.com", ALICE, client=IP)


async def test_lockout_success_clears_failures(stores: Stores, clock) -> None:
    app = _app(Limiter(stores(), LimitOptions(lockout_failures=3), clock=clock))
    for _ in range(2):
        await lockout.record_failure(app, USERS, "a@example.com", ALICE, client=IP)
    await lockout.record_success(app, USERS, "a@example.com", ALICE, client=IP)
    for _ in range(2):
        await lockout.record_failure(app, USERS, "a@example.com", ALICE, client=IP)
    await lockout.check(app, USERS, "a@example.com", ALICE, client=IP)


async def test_lockout_counts_unknown_identities_case_insensitively(stores: Stores, clock) -> None:
    app = _app(Limiter(stores(), LimitOptions(lockout_failures=2), clock=clock))
    await lockout.record_failure(app, USERS, "Ghost@Example.com", client=IP)
    await lockout.record_failure(app, USERS, " ghost@example.com", client=IP)
    with pytest.raises(TooManyRequestsError):
        await lockout.check(app, USERS, "GHOST@example.com", client=IP)
    await lockout.check(app, USERS, "other@example.com", client=IP)
    await lockout.check(
        app, SimpleNamespace(id="_pbc_other"), "ghost@example.com", client=IP
    )  # per collection


async def test_lockout_is_shared_between_nodes(stores: Stores, clock) -> None:
    opts = LimitOptions(lockout_failures=2)
    node_a, node_b = _app(Limiter(stores(), opts, clock=clock)), _app(Limiter(stores(), opts, clock=clock))
    await lockout.record_failure(node_a, USERS, "x@example.com", client=IP)
    await lockout.record_failure(node_b, USERS, "x@example.com", client=IP)
    with pytest.raises(TooManyRequestsError):
        await lockout.check(node_a, USERS, "x@example.com", client=IP)


async def test_lockout_can_be_turned_off(stores: Stores, clock) -> None:
    app = _app(Limiter(stores(), LimitOptions(lockout_failures=0), clock=clock))
    for _ in range(20):
        await lockout.record_failure(app, USERS, "x@example.com", client=IP)
    await lockout.check(app, USERS, "x@example.com", client=IP)


async def test_the_configuration_names_the_store(tmp_path: Path) -> None:
    db = await open_database(None, tmp_path)
    try:
        memory = await open_ephemeral("memory", redis_url="", db=db, data_dir=tmp_path)
        assert isinstance(memory, MemoryStore)
        database = await open_ephemeral("database", redis_url="", db=db, data_dir=tmp_path)
        assert isinstance(database, SqlStore) and (tmp_path / FILE_NAME).is_file()
        assert await database.incr("k", 60) == 1
        await database.close()
        from bastion.store.ephemeral_redis import RedisStore

        redis = await open_ephemeral("database", redis_url=REDIS_URL, db=db, data_dir=tmp_path)
        assert isinstance(redis, RedisStore)  # a Redis URL wins over the kind
        await redis.close()
        with pytest.raises(ValueError, match="unknown ephemeral store"):
            await open_ephemeral("disk", redis_url="", db=db, data_dir=tmp_path)
    finally:
        await db.close()


async def test_a_corrupt_ephemeral_file_is_replaced(tmp_path: Path) -> None:
    """Written without fsync, the file may not survive a crash of the machine; it holds nothing
    that must, so a start finds an empty one rather than failing."""
    (tmp_path / FILE_NAME).write_bytes(b"not a database" * 100)
    db = await open_database(None, tmp_path)
    try:
        store = await open_ephemeral("database", redis_url="", db=db, data_dir=tmp_path)
        assert await store.incr("k", 60) == 1
        await store.close()
    finally:
        await db.close()


async def test_a_burst_shares_a_few_redis_connections() -> None:
    """Two hundred concurrent counts through one process's store lose nothing and hold at most
    the pool's eight connections to Redis (a connection per caller made the burst open two
    hundred sockets at once, and on a busy machine some of them timed out)."""
    from tests.support.redis_service import drop_keys, skip_without_redis

    await skip_without_redis()
    import redis.asyncio as redis_asyncio

    from bastion.store.ephemeral_redis import MAX_CONNECTIONS, RedisStore

    name = f"bastion-test-{uuid.uuid4().hex[:12]}"
    prefix = f"{name}:"
    store = RedisStore(REDIS_URL, prefix=prefix, client_name=name)
    observer = redis_asyncio.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        counts = await asyncio.gather(*(store.incr("burst", 60) for _ in range(200)))
        assert sorted(counts) == list(range(1, 201))
        held = [c for c in await observer.client_list() if c.get("name") == name]
        assert 1 <= len(held) <= MAX_CONNECTIONS == 8
    finally:
        await store.close()
        await observer.aclose()
        await drop_keys(prefix)
