"""Two Apps in this process on one database, joined by the embedded broker as two workers of one
node are: a client's subscription requests and long polls reaching the process that does not hold
the client are run by the one that does (bastion/realtime/client_router.py), and answered as if
there."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import httpx
import pytest

from bastion.api.asgi import create_asgi_app
from bastion.app import App
from bastion.bus.broker import Broker
from bastion.bus.events import RecordEvent
from bastion.config import Config
from bastion.core.record_model import Record
from bastion.realtime import client_router, node_bridge
from bastion.realtime.client_state import new_client_id
from bastion.realtime.node_bridge import NodeBridge
from tests.api.realtime.conftest import clients_of, marker, posts_collection
from tests.api.realtime.sse_client import SAFETY_TIMEOUT
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, ApiClient, client_from

MARK = "rt_marker/*"


@pytest.fixture
async def other_worker(api, tmp_path, monkeypatch):
    """A second App on `api`'s database; both bridged by an embedded broker."""
    monkeypatch.setattr(client_router, "REPLY_WAIT", 1.0)  # an owner nobody is waits this long
    broker = await Broker().serve(str(tmp_path / "broker.sock"))
    url = "embedded:" + str(tmp_path / "broker.sock")
    api.app.config.realtime_pubsub = url
    api.app._node_bridge = await NodeBridge.start(api.app, api.app.realtime)  # as App.start does
    config = Config(
        data_dir=api.app.config.data_dir, database_url=api.app.config.database_url, realtime_pubsub=url
    )
    other = await App(config).start()
    transport = httpx.ASGITransport(app=create_asgi_app(other, manage_lifecycle=False))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            client = ApiClient(other, http)
            r = await http.post(
                "/api/collections/_superusers/auth-with-password",
                json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
            )
            client.superuser_token = r.json()["token"]
            yield client
    finally:
        await other.stop()
        if api.app._node_bridge is not None:
            await api.app._node_bridge.close()
            api.app._node_bridge = None
        await broker.close()


async def test_a_subscription_sent_to_the_other_process_reaches_the_stream(api, other_worker, sse):
    await posts_collection(api)
    await marker(api)
    watcher = await sse()
    watcher.api = other_worker  # its POSTs now reach the process without its stream
    assert await watcher.subscribe("posts/*", MARK) == 204
    await other_worker.create_record("posts", {"title": "from the other"})
    await api.create_record("posts", {"title": "from its own"})
    await marker(other_worker)
    events = await watcher.until(MARK)
    # each once, in the order the writes were answered, whichever process wrote them
    assert [e.data["record"]["title"] for e in events[:-1]] == ["from the other", "from its own"]


async def test_an_unsubscribe_sent_to_the_other_process_stops_the_events(api, other_worker, sse):
    await posts_collection(api)
    await marker(api)
    watcher = await sse()
    watcher.api = other_worker
    assert await watcher.subscribe("posts/*", MARK) == 204
    assert await watcher.subscribe(MARK) == 204
    await api.create_record("posts", {"title": "unheard"})
    await marker(api)
    assert [e.name for e in await watcher.until(MARK)] == [MARK]


async def test_the_auth_bound_on_the_other_process_is_the_streams_auth(api, other_worker, sse):
    """Subscribing through the other process with a user's token binds that user on the stream's
    process: a users-only collection's events arrive, and another user's token is refused."""
    await posts_collection(api, listRule="@request.auth.id != ''", viewRule="@request.auth.id != ''")
    await marker(api)
    _, alice = await api.create_user("alice@example.com")
    _, bob = await api.create_user("bob@example.com")
    watcher = await sse()
    watcher.api = other_worker
    assert await watcher.subscribe("posts/*", MARK, token=alice) == 204
    assert await watcher.subscribe("posts/*", MARK, token=bob) == 403
    assert watcher.last_error == {
        "data": {},
        "message": "The current and the previous request authorization don't match.",
        "status": 403,
    }
    await api.create_record("posts", {"title": "for users"})
    await marker(api)
    assert [e.name for e in await watcher.until(MARK)] == ["posts/*", MARK]


async def test_a_refusal_on_the_streams_process_is_answered_as_it_is(api, other_worker, sse):
    """The owner's 429 (the address's subscription budget, held there) comes back whole."""
    limits = replace(api.app.realtime.limits, max_subscriptions_per_ip=1)
    api.app.realtime.quota.limits = limits
    watcher = await sse()
    watcher.api = other_worker
    assert await watcher.subscribe("a/*", "b/*") == 429
    assert watcher.last_error["status"] == 429


async def test_a_client_no_process_holds_is_unknown(api, other_worker):
    for client_id in (new_client_id(api.app.realtime.process_id), new_client_id()):
        r = await other_worker.request(
            "POST", "/api/realtime", json={"clientId": client_id, "subscriptions": []}
        )
        assert r.status_code == 404
        assert r.json() == {"data": {}, "message": "Missing or invalid client id.", "status": 404}


async def test_made_up_client_ids_cost_their_own_address_only(api, other_worker, monkeypatch):
    """Each made-up id waits for an owner that never answers: one address may keep only so many
    waiting, and the next is refused with 429 while other addresses are still answered."""
    monkeypatch.setattr(client_router, "MAX_PENDING_PER_ADDRESS", 2)

    async def subscribe(client: httpx.AsyncClient) -> int:
        r = await client.post("/api/realtime", json={"clientId": new_client_id(), "subscriptions": []})
        return r.status_code

    async with (
        client_from(other_worker.app, "10.1.1.1") as guesser,
        client_from(other_worker.app, "10.2.2.2") as bystander,
    ):
        first = [asyncio.create_task(subscribe(guesser)) for _ in range(2)]
        await asyncio.sleep(0.1)  # both are waiting for their owners
        assert await subscribe(guesser) == 429
        assert await subscribe(bystander) == 404
        assert sorted(await asyncio.gather(*first)) == [404, 404]
        assert await subscribe(guesser) == 404  # its waits are over: its share is back


async def _poll(api, **body):
    return await api.request("POST", "/api/realtime/poll", json=body)


async def test_a_poll_client_is_polled_through_the_other_process(api, other_worker, poller):
    """Created on one process, subscribed and polled through the other: the events written on
    either arrive, each once."""
    await posts_collection(api)
    await marker(api)
    watcher = await poller()
    watcher.api = other_worker  # set before its first poll runs: every poll goes to the other
    assert await watcher.subscribe("posts/*", MARK) == 204
    await other_worker.create_record("posts", {"title": "from the other"})
    await api.create_record("posts", {"title": "from its own"})
    await marker(other_worker)
    events = await watcher.until(MARK)
    assert sorted(e.data["record"]["title"] for e in events[:-1]) == ["from its own", "from the other"]
    assert {e.name for e in events[:-1]} == {"posts/*"}


async def test_a_poll_waiting_through_the_other_process_keeps_the_client(api, other_worker):
    """While a poll sent through the other process waits, the owner counts the client as
    polling (the idle sweep leaves it); once it stopped polling, the sweep drops it, and a poll
    through the other process then answers 404."""
    await posts_collection(api)
    await api.app.realtime.drained()
    created = await _poll(api, subscriptions=["posts/*"])
    client_id = created.json()["clientId"]
    waiting = asyncio.get_running_loop().create_task(
        _poll(other_worker, clientId=client_id, cursor=0, timeout=10)
    )
    hub = api.app.realtime
    client = hub.find(client_id)
    for _ in range(int(SAFETY_TIMEOUT / 0.01)):  # until the owner runs the poll (bounded)
        if client.poll.polls or waiting.done():
            break
        await asyncio.sleep(0.01)
    long_after = time.monotonic() + hub.limits.poll_idle_timeout + 1
    assert hub.sweep(long_after) == 0
    await api.create_record("posts", {"title": "while waiting"})
    answer = await asyncio.wait_for(waiting, SAFETY_TIMEOUT)
    assert answer.status_code == 200, answer.text
    assert answer.json()["clientId"] == client_id
    assert [e["record"]["title"] for e in answer.json()["events"]] == ["while waiting"]
    assert hub.sweep(long_after) == 1
    r = await _poll(other_worker, clientId=client_id, cursor=answer.json()["cursor"], timeout=0)
    assert r.status_code == 404
    assert r.json() == {"data": {}, "message": "Missing or invalid client id.", "status": 404}


async def test_a_poll_waiting_through_the_other_process_hears_of_a_shutdown(api, other_worker):
    """The owner shutting down (its hub ended by the stop signal, then its router closed) ends
    a poll waiting through the other process with 503, as on one process: retry elsewhere."""
    await api.app.realtime.drained()
    client_id = (await _poll(api, subscriptions=["posts/*"])).json()["clientId"]
    waiting = asyncio.get_running_loop().create_task(
        _poll(other_worker, clientId=client_id, cursor=0, timeout=30)
    )
    client = api.app.realtime.find(client_id)
    for _ in range(int(SAFETY_TIMEOUT / 0.01)):  # until the owner runs the poll (bounded)
        if client.poll.polls or waiting.done():
            break
        await asyncio.sleep(0.01)
    api.app.realtime.begin_shutdown()
    await api.app._node_bridge.close()
    api.app._node_bridge = None
    answer = await asyncio.wait_for(waiting, SAFETY_TIMEOUT)
    assert answer.status_code == 503, answer.text


async def test_a_poll_for_a_client_no_process_holds_is_unknown(api, other_worker, sse):
    """As on one process: 404 for an id no process holds, an SSE client's id, or one too short to
    name a process; a gone process is found out without waiting for the poll's timeout (its
    owner would have acknowledged the poll at once)."""
    stream = await sse()
    ids = (new_client_id(api.app.realtime.process_id), new_client_id(), stream.client_id, "nope")
    for client_id in ids:
        r = await asyncio.wait_for(_poll(other_worker, clientId=client_id, timeout=30), SAFETY_TIMEOUT)
        assert r.status_code == 404, client_id
        assert r.json() == {"data": {}, "message": "Missing or invalid client id.", "status": 404}


async def test_an_event_committed_before_an_unsubscribe_still_reaches_the_stream(api, sse):
    """Another process's event may arrive after an unsubscribe that followed its write: it is
    delivered, by its commit time; one committed after the unsubscribe is not."""
    await posts_collection(api)
    await marker(api)
    posts = api.app.registry.find_collection("posts")
    data = await api.create_record("posts", {"title": "in flight"})
    record = Record(posts, {k: v for k, v in data.items() if k not in ("collectionId", "collectionName")})
    watcher = await sse()
    assert await watcher.subscribe("posts/*", MARK) == 204
    written = time.time()
    assert await watcher.subscribe(MARK) == 204
    api.app.realtime.enqueue(RecordEvent("update", record, committed_at=written))  # as the bridge does
    api.app.realtime.enqueue(RecordEvent("update", record, committed_at=time.time()))
    await marker(api)
    events = await watcher.until(MARK)
    assert [(e.name, e.data["action"]) for e in events] == [("posts/*", "update"), (MARK, "create")]


async def test_an_event_the_backend_refuses_still_reaches_this_process_subscribers(
    api, other_worker, sse, monkeypatch
):
    """A process delivers its own events as they come back from the backend; one it could not
    publish (the broker gone) reaches its own subscribers at once, and the write is answered."""
    await posts_collection(api)
    await marker(api)
    watcher = await sse()
    assert await watcher.subscribe("posts/*", MARK) == 204

    async def refused(payload: bytes, channel: str | None = None) -> None:
        raise ConnectionError("the embedded broker is not connected")

    monkeypatch.setattr(api.app._node_bridge.pubsub, "publish", refused)
    await api.create_record("posts", {"title": "not published"})
    await marker(api)
    assert [e.name for e in await watcher.until(MARK)] == ["posts/*", MARK]


async def test_an_own_event_the_backend_loses_is_delivered_late_not_never(
    api, other_worker, sse, monkeypatch
):
    await posts_collection(api)
    await marker(api)
    watcher = await sse()
    assert await watcher.subscribe("posts/*", MARK) == 204
    monkeypatch.setattr(node_bridge, "OWN_RETURN_WAIT", 0.2)

    async def lost(payload: bytes, channel: str | None = None) -> None:
        return None  # taken, never delivered: as a broker dropping a slow subscriber's messages

    monkeypatch.setattr(api.app._node_bridge.pubsub, "publish", lost)
    await api.create_record("posts", {"title": "lost on the way"})
    await marker(api)
    events = await watcher.until(MARK)
    assert [e.data["record"].get("title") for e in events] == ["lost on the way", None]


async def test_writes_answered_in_turn_on_two_processes_arrive_in_that_order(api, other_worker, sse):
    """The SDK's case: an update answered on one process, then the delete of that record sent to
    the other; a subscriber on either process sees update, then delete, every time."""
    await posts_collection(api)
    async with clients_of(other_worker, "sse") as sse_there:
        here, there = await sse(), await sse_there()
        await _write_in_turns_and_check(api, other_worker, here, there)


async def _write_in_turns_and_check(api, other_worker, here, there) -> None:
    assert await here.subscribe("posts/*") == 204
    assert await there.subscribe("posts/*") == 204
    expected = []
    for i in range(10):
        writer, deleter = (api, other_worker) if i % 2 else (other_worker, api)
        record = await writer.create_record("posts", {"title": f"r{i}"})
        r = await writer.su(
            "PATCH", f"/api/collections/posts/records/{record['id']}", json={"title": f"u{i}"}
        )
        assert r.status_code == 200, r.text
        r = await deleter.su("DELETE", f"/api/collections/posts/records/{record['id']}")
        assert r.status_code == 204, r.text
        expected += [("create", f"r{i}"), ("update", f"u{i}"), ("delete", f"u{i}")]
    for watcher in (here, there):
        events = [await watcher.next() for _ in expected]
        assert [(e.data["action"], e.data["record"]["title"]) for e in events] == expected
