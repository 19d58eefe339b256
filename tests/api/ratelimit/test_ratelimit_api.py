"""Rate limits as a client sees them: rules set through PATCH /api/settings, 429 in PocketBase's
error shape with Retry-After, counters per address for guests and per account when signed in,
windows that reset (a fake clock moves time), the auth baseline, and Redis shared by two Apps."""

from __future__ import annotations

from typing import Any

import pytest

from bastion import ratelimit
from bastion.app import App
from bastion.config import Config
from tests.api.ratelimit.conftest import TOO_MANY, enable, rule
from tests.conftest import FakeClock, client_from
from tests.support.redis_service import new_redis_store


@pytest.fixture
async def posts(api: Any) -> str:
    await api.create_collection(
        {
            "name": "posts",
            "type": "base",
            "listRule": "",
            "viewRule": "",
            "fields": [{"name": "title", "type": "text"}],
        }
    )
    return "/api/collections/posts/records"


async def test_a_guest_over_the_limit_gets_429_until_the_window_ends(
    api: Any, posts: str, clock: FakeClock
) -> None:
    ratelimit.attach(api.app, clock=clock)
    await enable(api, rule("*:list", 3))
    assert [(await api.request("GET", posts)).status_code for _ in range(3)] == [200, 200, 200]

    r = await api.request("GET", posts)
    assert r.status_code == 429
    assert r.json() == TOO_MANY
    assert r.headers["retry-after"] == "20"  # the 60 s window started 40 s before the fake "now"
    assert (await api.request("GET", f"{posts}/nothere")).status_code == 404  # other actions: own rules

    async with client_from(api.app, "203.0.113.7") as elsewhere:
        assert (await elsewhere.get(posts)).status_code == 200

    clock.advance(19)
    r = await api.request("GET", posts)
    assert (r.status_code, r.headers["retry-after"]) == (429, "1")
    clock.advance(1)
    assert (await api.request("GET", posts)).status_code == 200


async def test_signed_in_callers_are_counted_per_account(api: Any, posts: str, clock: FakeClock) -> None:
    _, alice = await api.create_user("alice@example.com")
    _, bob = await api.create_user("bob@example.com")
    ratelimit.attach(api.app, clock=clock)
    await enable(api, rule("*:list", 2, audience="@auth"))

    assert [(await api.request("GET", posts, token=alice)).status_code for _ in range(3)] == [200, 200, 429]
    async with client_from(api.app, "198.51.100.4") as elsewhere:
        # a new address does not give alice a new budget
        assert (await elsewhere.get(posts, headers={"Authorization": alice})).status_code == 429
    assert (await api.request("GET", posts, token=bob)).status_code == 200
    # an @auth rule leaves guests alone, even from alice's address
    assert [(await api.request("GET", posts)).status_code for _ in range(4)] == [200] * 4


async def test_superusers_and_excluded_addresses_are_not_limited(
    api: Any, posts: str, clock: FakeClock
) -> None:
    ratelimit.attach(api.app, clock=clock)
    await enable(api, rule("/api/", 1), excluded=["10.0.0.0/8"])
    assert [(await api.su("GET", posts)).status_code for _ in range(3)] == [200] * 3
    async with client_from(api.app, "10.1.2.3") as inside:
        assert [(await inside.get(posts)).status_code for _ in range(3)] == [200] * 3
    assert [(await api.request("GET", posts)).status_code for _ in range(2)] == [200, 429]


async def test_a_path_prefix_rule_shares_one_counter_across_its_paths(
    api: Any, posts: str, clock: FakeClock
) -> None:
    ratelimit.attach(api.app, clock=clock)
    await enable(api, rule("/api/", 2))
    assert (await api.request("GET", "/api/health")).status_code == 200
    assert (await api.request("GET", posts)).status_code == 200
    r = await api.request("GET", "/api/collections/posts/records/x")
    assert r.status_code == 429
    assert r.json() == TOO_MANY


async def test_auth_routes_are_limited_by_default(api: Any) -> None:
    path = "/api/collections/users/auth-with-password"
    statuses = [(await api.request("POST", path, json={})).status_code for _ in range(21)]
    assert statuses == [400] * 20 + [429]  # the baseline: *:auth, 20 per minute per address
    assert (
        await api.request("POST", "/api/collections/_superusers/auth-with-password", json={})
    ).status_code == 400
    assert (await api.request("GET", "/api/collections/users/auth-methods")).status_code == 200
    async with client_from(api.app, "192.0.2.9") as elsewhere:
        assert (await elsewhere.post(path, json={})).status_code == 400


async def test_enabled_settings_replace_the_baseline(api: Any) -> None:
    await enable(api, rule("/api/health", 100))
    path = "/api/collections/users/auth-with-password"
    assert {(await api.request("POST", path, json={})).status_code for _ in range(25)} == {400}


async def test_redis_counters_are_shared_by_two_apps(api: Any, posts: str, redis_prefix: str) -> None:
    clock = FakeClock()
    await enable(api, rule("*:list", 3))
    other = await App(
        Config(data_dir=api.app.config.data_dir, database_url=api.app.config.database_url)
    ).start()
    try:
        ratelimit.attach(api.app, store=new_redis_store(redis_prefix), clock=clock)
        ratelimit.attach(other, store=new_redis_store(redis_prefix), clock=clock)
        async with client_from(other, "127.0.0.1") as second_node:
            assert (await api.request("GET", posts)).status_code == 200
            assert (await second_node.get(posts)).status_code == 200
            assert (await api.request("GET", posts)).status_code == 200
            r = await second_node.get(posts)
            assert (r.status_code, r.json()) == (429, TOO_MANY)
            assert (await api.request("GET", posts)).status_code == 429
    finally:
        await api.app.limiter.store.close()
        await other.limiter.store.close()
        await other.stop()


async def test_an_escaped_slash_in_a_file_name_is_counted_by_the_file_rule(
    api: Any, posts: str, clock: FakeClock
) -> None:
    """The route a request reaches decides its tags, so `a%2Fb.png` (the file route, for the file
    `a/b.png`, as PocketBase routes it) is counted like any other file name."""
    ratelimit.attach(api.app, clock=clock)
    await enable(api, rule("*:file", 2))
    statuses = [(await api.request("GET", "/api/files/posts/abc/a%2Fb.png")).status_code for _ in range(3)]
    assert statuses == [404, 404, 429]
