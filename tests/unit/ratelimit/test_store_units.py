"""What only one store has: the memory store's bounded size, Redis failing open, and the pure
route-label table."""

from __future__ import annotations

import logging

import pytest

from bastion.api.route_spec import route_for
from bastion.api.route_table import ROUTES
from bastion.ratelimit import Limiter
from bastion.ratelimit.route_labels import collection_labels, path_labels
from bastion.store.ephemeral_base import StoreUnavailable
from bastion.store.ephemeral_memory import MemoryStore


async def test_memory_store_evicts_expired_keys(clock) -> None:
    store = MemoryStore(clock=clock, sweep_every=30)
    for i in range(100):
        await store.incr(f"k{i}", ttl=10)
    await store.set("long", "x", ttl=3600)
    assert len(store) == 101
    clock.advance(31)
    assert await store.get("k1") is None
    assert len(store) == 1  # the sweep dropped every expired key, not just the one read
    assert await store.get("long") == "x"


async def test_memory_store_never_exceeds_its_size(clock) -> None:
    store = MemoryStore(clock=clock, max_keys=10)
    for i in range(50):
        await store.incr(f"k{i}", ttl=3600)
    assert len(store) == 10
    assert await store.get("k49") == "1"  # the newest stay, the oldest went
    assert await store.get("k0") is None


async def test_an_expired_counter_starts_again(clock) -> None:
    store = MemoryStore(clock=clock)
    assert await store.incr("k", ttl=5) == 1
    assert await store.incr("k", ttl=5) == 2
    clock.advance(5)
    assert await store.incr("k", ttl=5) == 1


async def test_an_unreachable_redis_lets_requests_through(caplog: pytest.LogCaptureFixture) -> None:
    from bastion.store.ephemeral_redis import RedisStore

    store = RedisStore("redis://127.0.0.1:1/0", timeout=0.2)  # nothing listens on port 1
    try:
        with pytest.raises(StoreUnavailable):
            await store.incr("k", 5)
        limiter = Limiter(store)
        with caplog.at_level(logging.WARNING, logger="bastion.ratelimit"):
            assert [await limiter.consume("b", 1, 60) for _ in range(3)] == [None, None, None]
        assert [r.message for r in caplog.records].count(
            "rate-limit store unavailable; requests are not limited"
        ) == 1  # logged once, not per request
    finally:
        await store.close()


def _tags(method: str, path: str) -> tuple[str, ...] | None:
    """The tags of the route the table routes `method path` to (None: no route)."""
    found = route_for(ROUTES, method, path)
    return found[0].tags if found else None


def test_collection_routes_carry_pocketbase_tags() -> None:
    found = route_for(ROUTES, "POST", "/api/collections/users/auth-with-password")
    assert found is not None and found[0].limit is not None
    route = found[0].limit
    assert route.pattern == "POST /api/collections/{collection}/auth-with-password"
    assert collection_labels(route, "users", "POST", "/api/collections/users/auth-with-password") == [
        "users:authWithPassword",
        "users:auth",
        "*:authWithPassword",
        "*:auth",
        "POST /api/collections/users/auth-with-password",
        "/api/collections/users/auth-with-password",
    ]
    assert _tags("GET", "/api/collections/posts/records") == ("list",)
    assert _tags("PATCH", "/api/collections/posts/records/abc") == ("update",)
    assert _tags("GET", "/api/files/posts/abc/a.png") == ("file",)
    assert _tags("GET", "/api/collections/users/auth-methods") == ("listAuthMethods",)
    assert _tags("POST", "/api/collections/users/auth-methods") is None
    assert _tags("GET", "/api/collections/posts") == ()
    assert _tags("POST", "/api/batch") == ()
    assert path_labels("POST", "/api/batch") == ["POST /api/batch", "/api/batch"]
