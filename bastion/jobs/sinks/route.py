"""The outbox route for broker sinks, the `sink.publish` job that delivers to one, and
`attach_sinks`, which the App calls to wire both.

Which sinks exist comes from the configuration (`event_sinks`), fixed for the life of the
process, so routing is a loop over a short list, no query. A record change adds one job per
matching sink, keyed `sink:{name}:{event id}`, in the write's transaction; the job publishes and
returns once the broker acknowledged, or raises so the queue retries it with back-off. A job
whose sink is no longer configured (removed between enqueue and run) is dead at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from bastion.config_sinks import EventSinkConfig
from bastion.jobs.backoff import exponential_backoff
from bastion.jobs.outbox import OutboxEvent, OutboxJob
from bastion.jobs.queue import Job, PermanentJobError
from bastion.jobs.sinks.nats_jetstream import JetStreamSink
from bastion.jobs.sinks.rabbitmq import RabbitMqSink
from bastion.jobs.sinks.redis_streams import RedisStreamSink
from bastion.jobs.sinks.sink import EventSink, SinkMessage

if TYPE_CHECKING:
    from bastion.jobs.outbox import Outbox
    from bastion.jobs.queue import JobQueue
    from bastion.store.database import Executor

log = logging.getLogger("bastion.jobs.sinks")

PUBLISH = "sink.publish"
# One attempt: the broker's connect and acknowledgement, bounded by the sink's own timeout
# (SINK_TIMEOUT) inside the job's (PUBLISH_TIMEOUT), so a hung broker fails as SinkError first.
SINK_TIMEOUT = 10.0
PUBLISH_TIMEOUT = 20.0
# A broker outage is retried with exponential back-off capped at five minutes, so events flow
# again within minutes of the broker's return (the queue's default cap is an hour), for this many
# attempts (4 to 8 hours of outage) before the job is dead with the last error kept.
PUBLISH_MAX_ATTEMPTS = 100
PUBLISH_BACKOFF_CAP = 300.0

Closer = Callable[[], Awaitable[None]]


def open_sink(config: EventSinkConfig, *, timeout: float = SINK_TIMEOUT) -> EventSink[Any]:
    """The sink for one configured entry (no connection yet: it opens on the first publish)."""
    if config.kind == "rabbitmq":
        return RabbitMqSink(config.name, config.url, config.target, timeout=timeout)
    if config.kind == "nats":
        return JetStreamSink(config.name, config.url, config.target, timeout=timeout)
    return RedisStreamSink(config.name, config.url, config.target, timeout=timeout, max_len=config.max_len)


def publish_job(sink_name: str, event: OutboxEvent) -> OutboxJob:
    """The job that publishes `event` to the sink named `sink_name`."""
    payload = {"sink": sink_name, "id": event.id, "type": event.type, "collection": event.collection}
    return OutboxJob(PUBLISH, {**payload, "body": event.body()}, f"sink:{sink_name}:{event.id}")


class SinkRoute:
    """OutboxRoute: one `sink.publish` job per configured sink that takes the event."""

    def __init__(self, sinks: Iterable[EventSinkConfig]) -> None:
        self.sinks = tuple(sinks)

    def wants(self, collection_name: str) -> bool:
        """Whether any sink takes some event of the collection (else the outbox builds none)."""
        return any(s.takes_collection(collection_name) for s in self.sinks)

    async def jobs_for(self, ex: Executor, event: OutboxEvent) -> list[OutboxJob]:
        return [publish_job(s.name, event) for s in self.sinks if s.wants(event.collection, event.type)]


def message_of(payload: Mapping[str, Any]) -> SinkMessage:
    """The broker message a `sink.publish` job's payload carries."""
    try:
        body = json.dumps(payload["body"], separators=(",", ":"), ensure_ascii=False).encode()
        return SinkMessage(str(payload["id"]), str(payload["type"]), str(payload["collection"]), body)
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentJobError(f"malformed sink.publish payload: {exc!r}") from None


class SinkPublisher:
    """The `sink.publish` handler: the process's sinks by name, each connected on first use."""

    def __init__(self, sinks: Mapping[str, EventSink[Any]]) -> None:
        self.sinks = dict(sinks)

    async def __call__(self, job: Job) -> None:
        name = job.payload.get("sink")
        sink = self.sinks.get(name) if isinstance(name, str) else None
        if sink is None:
            raise PermanentJobError(f"no event sink named {name!r} is configured (event_sinks)")
        await sink.publish(message_of(job.payload))  # SinkError: retried with back-off

    async def close(self) -> None:
        for sink in self.sinks.values():
            await sink.close()


def attach_sinks(jobs: JobQueue, outbox: Outbox, sinks_config: Iterable[EventSinkConfig]) -> Closer:
    """Route record events to the configured sinks and run their jobs in this process; the
    returned closer closes the brokers' connections (call it after the job runner stopped).
    The handler is registered even with no sink configured, so jobs left by a sink since
    removed are dead-lettered with the reason instead of waiting forever."""
    configs = tuple(sinks_config)
    publisher = SinkPublisher({c.name: open_sink(c) for c in configs})
    jobs.register(
        PUBLISH,
        publisher,
        timeout=PUBLISH_TIMEOUT,
        max_attempts=PUBLISH_MAX_ATTEMPTS,
        backoff=exponential_backoff(cap=PUBLISH_BACKOFF_CAP),
    )
    if configs:
        outbox.add_route(SinkRoute(configs))
        log.info("record events go to %s", ", ".join(f"{c.name} ({c.kind})" for c in configs))
    return publisher.close
