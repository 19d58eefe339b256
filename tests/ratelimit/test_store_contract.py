"""One contract for every rate-limit store (memory and Redis): the primitives, the limiter's
windows and the login lockout behave the same whichever store holds the keys."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from bastion import ratelimit
from bastion.errors import TooManyRequestsError
from bastion.ratelimit import CounterStore, Limiter, LimitOptions, lockout

Stores = Callable[[], CounterStore]


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
    return SimpleNamespace(ratelimiter=limiter, config=SimpleNamespace())


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


def test_attach_builds_the_store_the_configuration_names() -> None:
    app = SimpleNamespace(config=SimpleNamespace())
    assert isinstance(ratelimit.limiter_of(app).store, ratelimit.MemoryStore)
    assert ratelimit.limiter_of(app) is ratelimit.limiter_of(app)
    pytest.importorskip("redis", reason="the `redis` package is not installed")
    from bastion.ratelimit.store_redis import RedisStore

    redis_app = SimpleNamespace(config=SimpleNamespace(ratelimit_redis_url="redis://127.0.0.1:6379/0"))
    assert isinstance(ratelimit.limiter_of(redis_app).store, RedisStore)
