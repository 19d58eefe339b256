"""What one client and one address may hold (docs/realtime.md, "Limits"), on SQLite and PostgreSQL.

The attack these stop: anonymous long polls, each a new client with 1,000 subscriptions of
2,500 characters, grew a worker by half a gigabyte in seconds, and idle poll clients were only
forgotten when an event happened to arrive.
"""

from __future__ import annotations

import asyncio
import json

import httpx

from bastion.api.asgi import create_asgi_app
from bastion.realtime.address_quota import address_key
from tests.api.realtime.conftest import clients_of

SAFETY_TIMEOUT = 10.0
TOO_MANY_CLIENTS = {
    "data": {},
    "message": "Too many realtime connections from this address.",
    "status": 429,
}


def _big_subscriptions(n: int, salt: str) -> list[str]:
    """`n` distinct subscriptions of PocketBase's maximum length, 2,500 characters."""
    subs = []
    for i in range(n):
        head = f'posts/*?options={{"query":{{"x":"{salt}{i:04d}'
        subs.append(head + "y" * (2500 - len(head) - 3) + '"}}')
    return subs


async def _poll(api, **body):
    return await api.request("POST", "/api/realtime/poll", json=body)


def _held(hub) -> tuple[int, int]:
    """(clients, subscriptions) the hub holds."""
    return len(hub.clients), sum(len(c.subscriptions) for c in hub.clients.values())


async def test_more_than_pocketbase_allows_is_refused_on_every_transport(api, rt):
    assert len(_big_subscriptions(1, "a")[0]) == 2500
    client = await rt()
    assert await client.subscribe(*["posts/*"] * 1001) == 400
    assert client.last_error["data"]["subscriptions"] == {
        "code": "validation_length_too_long",
        "message": "The length must be no more than 1000.",
        "params": {"max": 1000, "min": 0},
    }
    assert await client.subscribe("posts/*", "x" * 2501) == 400
    assert client.last_error["data"]["subscriptions"]["1"]["code"] == "validation_length_too_long"
    held = _held(api.app.realtime)
    r = await _poll(api, subscriptions=_big_subscriptions(1001, "b"))
    assert r.status_code == 400 and _held(api.app.realtime) == held  # no client was made


async def test_many_large_subscriptions_from_one_address_stop_at_its_budget(api):
    hub = api.app.realtime
    answers = []
    for n in range(6):
        r = await _poll(api, subscriptions=_big_subscriptions(1000, f"{n:02d}"))
        answers.append(r.status_code)
        if r.status_code == 429:
            assert r.json()["message"] == "Too many realtime subscriptions from this address."
            assert r.headers["retry-after"] == "30"
    # two full clients fit the default 2,000 subscriptions per address; every later one is refused
    assert answers == [200, 200, 429, 429, 429, 429]
    assert _held(hub) == (2, 2000)
    # an SSE client of the same address cannot subscribe past the budget either, and changes nothing
    async with clients_of(api, "sse") as sse:
        stream = await sse()
        assert await stream.subscribe(*_big_subscriptions(10, "sse")) == 429
        assert len(hub.clients[stream.client_id].subscriptions) == 0
        assert await stream.subscribe("posts/*") == 429  # the address holds its 2,000 already
        assert _held(hub) == (3, 2000)


async def test_idle_poll_clients_are_swept_without_any_event(configured_api):
    async with configured_api(realtime_poll_idle_timeout=0.2, realtime_max_clients_per_ip=1) as api:
        hub = api.app.realtime
        first = (await _poll(api, subscriptions=["posts/*"])).json()["clientId"]
        assert (await _poll(api)).status_code == 429  # the address's one client is taken
        async with asyncio.timeout(SAFETY_TIMEOUT):
            while hub.find(first) is not None:  # no record is written: only the timer sweeps
                await asyncio.sleep(0.05)
        r = await _poll(api, clientId=first, timeout=0)
        assert (r.status_code, r.json()["message"]) == (404, "Missing or invalid client id.")
        assert (await _poll(api)).status_code == 200  # its place was given back


async def test_clients_per_address_are_capped_on_every_transport(configured_api):
    async with configured_api(realtime_max_clients_per_ip=2) as api:
        hub = api.app.realtime
        assert (await _poll(api)).status_code == 200
        async with clients_of(api, "sse") as sse, clients_of(api, "ws") as ws:
            stream = await sse()
            r = await _poll(api)
            assert (r.status_code, r.json(), r.headers["retry-after"]) == (429, TOO_MANY_CLIENTS, "30")
            r = await api.request("GET", "/api/realtime")
            assert (r.status_code, r.json()) == (429, TOO_MANY_CLIENTS)
            socket = await ws()
            assert socket.greeting == {"type": "error", **TOO_MANY_CLIENTS}
            assert await socket.reply() == {"type": "closed"}
            assert (socket.close_code, socket.close_reason) == (1013, "too many connections")
            # another address is not affected
            other = httpx.ASGITransport(
                app=create_asgi_app(api.app, manage_lifecycle=False), client=("10.1.2.3", 9)
            )
            async with httpx.AsyncClient(transport=other, base_url="http://testserver") as http:
                assert (await http.post("/api/realtime/poll", json={})).status_code == 200
            await stream.close()
            async with asyncio.timeout(SAFETY_TIMEOUT):
                while stream.client_id in hub.clients:
                    await asyncio.sleep(0.01)
            assert (await _poll(api)).status_code == 200  # the stream's place was given back


async def test_filter_text_per_address_is_budgeted(configured_api):
    async with configured_api(realtime_max_filter_chars_per_ip=100) as api:
        flt = "title = '" + "a" * 45 + "'"  # 55 characters
        sub = "posts/*?options=" + json.dumps({"query": {"filter": flt}})
        assert (await _poll(api, subscriptions=[sub, sub + " "])).status_code == 200  # one filter
        r = await _poll(api, subscriptions=[sub])
        assert r.status_code == 429, r.text  # a second client's copy counts again: 110 > 100
        assert (await _poll(api, subscriptions=["posts/*"])).status_code == 200


def test_an_ipv6_host_counts_as_its_64_network():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:10.0.0.1") == address_key("10.0.0.1") == "10.0.0.1"
    assert address_key("") == ""
