"""Two Apps in this process on one database, joined by the embedded broker as two workers of one
node are: a client's subscription requests reaching the process that does not hold its stream
are run by the one that does (bastion/realtime/client_router.py), and answered as if there."""

from __future__ import annotations

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
from bastion.realtime import client_router
from bastion.realtime.client_state import new_client_id
from bastion.realtime.node_bridge import NodeBridge
from tests.api.realtime.conftest import marker, posts_collection
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, ApiClient

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
    # each once; between processes there is no order (one travels, the other is delivered at once)
    assert sorted(e.data["record"]["title"] for e in events[:-1]) == ["from its own", "from the other"]


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
