"""Two Apps in this process on one PostgreSQL schema, bridged by LISTEN/NOTIFY: the node bridge's
own behaviour, faster than the two-process tests (tests/api/realtime/test_realtime_nodes.py)."""

from __future__ import annotations

import httpx
import pytest

from bastion.api.asgi import create_asgi_app
from bastion.app import App
from bastion.config import Config
from bastion.realtime.node_bridge import NodeBridge
from tests.api.realtime.conftest import marker, posts_collection
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, ApiClient

MARK = "rt_marker/*"


@pytest.fixture
async def node_b(api, tmp_path):
    if api.app.db.dialect != "postgres":
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL")
    api.app.config.realtime_pubsub = "postgres"
    api.app._node_bridge = await NodeBridge.start(api.app, api.app.realtime)  # as App.start does
    config = Config(
        data_dir=tmp_path / "b", database_url=api.app.config.database_url, realtime_pubsub="postgres"
    )
    other = await App(config).start()
    transport = httpx.ASGITransport(app=create_asgi_app(other, manage_lifecycle=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        client = ApiClient(other, http)
        r = await http.post(
            "/api/collections/_superusers/auth-with-password",
            json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
        )
        client.superuser_token = r.json()["token"]
        try:
            yield client
        finally:
            await other.stop()


async def test_a_write_on_another_node_reaches_this_one_once(api, node_b, sse):
    await posts_collection(api)
    watcher = await sse()
    assert await watcher.subscribe("posts/*", MARK) == 204
    await node_b.create_record("posts", {"title": "from b"})
    await api.create_record("posts", {"title": "from a"})
    await marker(node_b)
    events = await watcher.until(MARK)
    # each once, in the order the writes were answered: b's had gone out before a's was written
    assert [e.data["record"]["title"] for e in events[:-1]] == ["from b", "from a"]


async def test_a_rule_tightened_on_another_node_applies_to_this_ones_fan_out(api, node_b, sse):
    await posts_collection(api)
    watcher = await sse()
    assert await watcher.subscribe("posts/*", MARK) == 204
    await marker(node_b)  # the marker collection exists on both nodes from here on
    await watcher.until(MARK)
    # from here this node serves no request: only its fan-out can notice the change
    r = await node_b.su("PATCH", "/api/collections/posts", json={"listRule": None})
    assert r.status_code == 200, r.text
    await node_b.create_record("posts", {"title": "superusers only now"})
    await marker(node_b)
    assert [e.name for e in await watcher.until(MARK)] == [MARK]
