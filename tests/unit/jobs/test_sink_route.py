"""Which record events go to which sink (SinkRoute), and the sink.publish handler's refusals.
No broker: tests/contract/sinks/ runs the sinks on real ones."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from bastion.config_sinks import EventSinkConfig
from bastion.jobs.outbox import OutboxEvent
from bastion.jobs.queue import Job, PermanentJobError
from bastion.jobs.sinks.route import PUBLISH, SinkPublisher, SinkRoute, message_of, open_sink
from bastion.jobs.sinks.sink import SinkMessage, redact

NO_TX: Any = None  # SinkRoute reads nothing in the writing transaction
RABBIT = "amqp://guest:secret@127.0.0.1:5672/"


def event(collection: str = "posts", type_: str = "record.created", id_: str = "evt_1") -> OutboxEvent:
    return OutboxEvent(
        id_, type_, "2026-12-02T16:47:41.123Z", collection, "pbc_1", {"id": "r1", "title": "x"}
    )


def sink(name: str, collections: tuple[str, ...] = (), events: tuple[str, ...] = ()) -> EventSinkConfig:
    return EventSinkConfig(name, RABBIT, "ex", collections, events)


def jobs_for(route: SinkRoute, ev: OutboxEvent) -> list[str]:
    return [job.payload["sink"] for job in asyncio.run(route.jobs_for(NO_TX, ev))]


def test_each_matching_sink_gets_one_job_keyed_by_sink_and_event():
    route = SinkRoute([sink("all"), sink("posts-only", ("posts",)), sink("deletes", events=("delete",))])
    jobs = asyncio.run(route.jobs_for(NO_TX, event()))
    assert [(j.kind, j.key) for j in jobs] == [
        (PUBLISH, "sink:all:evt_1"),
        (PUBLISH, "sink:posts-only:evt_1"),
    ]
    assert jobs[0].payload == {
        "sink": "all",
        "id": "evt_1",
        "type": "record.created",
        "collection": "posts",
        "body": event().body(),
    }


@pytest.mark.parametrize(
    ("collection", "type_", "expected"),
    [
        ("posts", "record.created", ["all", "posts-only", "posts-updates"]),
        ("posts", "record.updated", ["all", "posts-only", "posts-updates", "updates"]),
        ("posts", "record.deleted", ["all", "posts-only"]),
        ("users", "record.updated", ["all", "updates"]),
        ("_superusers", "record.created", ["system"]),  # "all" means the non-system collections
        ("users", "record.archived", []),  # not a record event type
    ],
)
def test_collections_and_events_filter(collection, type_, expected):
    route = SinkRoute(
        [
            sink("all"),
            sink("posts-only", ("posts",)),
            sink("posts-updates", ("posts",), ("create", "update")),
            sink("updates", events=("update",)),
            sink("system", ("_superusers",)),
        ]
    )
    assert jobs_for(route, event(collection, type_)) == expected


def test_wants_lets_the_outbox_skip_collections_no_sink_takes():
    route = SinkRoute([sink("posts-only", ("posts",)), sink("deletes", ("tags",), ("delete",))])
    assert route.wants("posts") and route.wants("tags")
    assert not route.wants("users") and not route.wants("_superusers")
    assert not SinkRoute([]).wants("posts")


def test_a_job_payload_becomes_the_broker_message():
    payload = asyncio.run(SinkRoute([sink("a")]).jobs_for(NO_TX, event()))[0].payload
    msg = message_of(payload)
    assert (msg.id, msg.type, msg.collection, msg.routing_key) == (
        "evt_1",
        "record.created",
        "posts",
        "posts.created",
    )
    assert json.loads(msg.body) == {
        "type": "record.created",
        "timestamp": "2026-12-02T16:47:41.123Z",
        "data": {"collection": "posts", "record": {"id": "r1", "title": "x"}},
    }


def job(payload: dict) -> Job:
    return Job("j1", PUBLISH, payload, 1, 20, "2026-12-02 16:47:41.123Z")


def test_a_job_for_a_sink_no_longer_configured_is_dead_at_once():
    publisher = SinkPublisher({"a": open_sink(sink("a"))})
    payload = asyncio.run(SinkRoute([sink("gone")]).jobs_for(NO_TX, event()))[0].payload
    with pytest.raises(PermanentJobError, match="no event sink named 'gone'"):
        asyncio.run(publisher(job(payload)))


def test_a_malformed_payload_is_dead_at_once():
    publisher = SinkPublisher({"a": open_sink(sink("a"))})
    with pytest.raises(PermanentJobError, match="malformed"):
        asyncio.run(publisher(job({"sink": "a", "id": "evt_1"})))


def test_the_factory_picks_the_broker_by_url_scheme():
    kinds = {
        "amqp://h/": "RabbitMqSink",
        "amqps://h/": "RabbitMqSink",
        "nats://h:4222": "JetStreamSink",
        "redis://h:6379/0": "RedisStreamSink",
        "rediss://h:6379/0": "RedisStreamSink",
    }
    for url, cls in kinds.items():
        assert type(open_sink(EventSinkConfig("s", url, "T"))).__name__ == cls


def test_messages_never_show_the_password():
    assert redact(RABBIT) == "amqp://guest:***@127.0.0.1:5672/"
    assert redact("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert "secret" not in repr(open_sink(sink("a")))
    assert SinkMessage("e", "record.deleted", "tags", b"{}").routing_key == "tags.deleted"
