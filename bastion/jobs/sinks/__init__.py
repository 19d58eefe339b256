"""Record events published to message brokers (RabbitMQ, NATS JetStream, Redis Streams).

A record write adds one `sink.publish` job per matching sink to the outbox, in the write's own
transaction (`route.SinkRoute`); the job queue runs `handler.publish_job`, which hands the event to
the sink (`sink.EventSink`) and returns once the broker has acknowledged it. A broker that is down
fails the job, which retries with back-off: events are delayed, never lost (at-least-once, with the
event id on every message so consumers can de-duplicate).
"""

from bastion.jobs.sinks.route import PUBLISH, SinkPublisher, SinkRoute, attach_sinks, open_sink
from bastion.jobs.sinks.sink import EventSink, SinkError, SinkMessage

__all__ = [
    "PUBLISH",
    "EventSink",
    "SinkError",
    "SinkMessage",
    "SinkPublisher",
    "SinkRoute",
    "attach_sinks",
    "open_sink",
]
