"""Record writes through the API reach a real broker through the outbox and the job queue, on
SQLite and PostgreSQL, as the App wires it: `attach_sinks(app.jobs, app.outbox, config.event_sinks)`. A broker that is down delays the events; the
writes are not slowed or failed, and every event arrives once it is back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from bastion.config_sinks import EventSinkConfig
from bastion.jobs.sinks.route import attach_sinks
from tests.conftest import skip_or_fail
from tests.contract.sinks.brokers import HOST, PORTS, SAFETY_TIMEOUT, Consumer, new_target, open_consumer, url
from tests.support.tcp_proxy import TcpProxy

POSTS = {"name": "posts", "type": "base", "fields": [{"name": "title", "type": "text"}]}
TAGS = {"name": "tags", "type": "base", "fields": [{"name": "title", "type": "text"}]}


@pytest.fixture(params=sorted(PORTS))
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, str, Consumer]]:
    name, target = request.param, new_target(request.param)
    try:
        consumer = await asyncio.wait_for(open_consumer(name, target), SAFETY_TIMEOUT)
    except Exception as exc:
        skip_or_fail(f"{name} at {HOST}:{PORTS[name]} is not reachable: {exc!r}")
    yield name, target, consumer
    await consumer.close()


async def wired(api, broker_name: str, target: str, port: int | None = None):
    """The App's outbox with one sink for `posts` (create and update) attached, as App.start
    will do with `config.event_sinks`."""
    app = api.app
    sink = EventSinkConfig("e2e", url(broker_name, port), target, ("posts",), ("create", "update"))
    return attach_sinks(app.jobs, app.outbox, [sink])


async def test_record_writes_arrive_at_the_broker_as_events(api, broker):
    name, target, consumer = broker
    await api.create_collection(POSTS)
    await api.create_collection(TAGS)
    close = await wired(api, name, target)
    try:
        first = await api.create_record("posts", {"title": "one"})
        await api.create_record("tags", {"title": "not routed"})
        r = await api.su("PATCH", f"/api/collections/posts/records/{first['id']}", json={"title": "two"})
        assert r.status_code == 200, r.text
        r = await api.su("DELETE", f"/api/collections/posts/records/{first['id']}")
        assert r.status_code == 204, r.text  # deletes are not routed to this sink
        await api.create_record("posts", {"title": "three"})
        got = await consumer.wait_for(3)
        bodies = [json.loads(body) for _, body, _ in got]
        # in any order: jobs run concurrently (docs/event-sinks.md, Ordering)
        assert sorted((b["type"], b["data"]["collection"], b["data"]["record"]["title"]) for b in bodies) == [
            ("record.created", "posts", "one"),
            ("record.created", "posts", "three"),
            ("record.updated", "posts", "two"),
        ]
        assert len({event_id for event_id, _, _ in got}) == 3
        assert all(event_id.startswith("evt_") for event_id, _, _ in got)
    finally:
        await close()


async def test_a_broker_outage_delays_events_and_loses_none(api, broker):
    name, target, consumer = broker
    await api.create_collection(POSTS)
    proxy = await TcpProxy(HOST, PORTS[name]).start()
    await proxy.stop()  # the broker is down when the writes happen
    close = await wired(api, name, target, proxy.port)
    try:
        titles = [f"post {n}" for n in range(5)]
        for title in titles:
            await api.create_record("posts", {"title": title})  # answered though no broker is there
        assert await consumer.received() == []
        await proxy.start()  # it is back: the retries deliver
        got = await consumer.wait_for(5)
        assert sorted(json.loads(body)["data"]["record"]["title"] for _, body, _ in got) == titles
        counts = await api.app.jobs.counts()
        assert counts.get("dead", 0) == 0
    finally:
        await close()
        await proxy.stop()
