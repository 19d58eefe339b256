"""What one publish to each broker sink costs, on the real brokers (no database, no queue).

For each of RabbitMQ (publisher confirms), NATS JetStream (stored-message ack) and Redis Streams
(XADD reply): `--events` publishes one after another on one kept connection, printing the
latency percentiles of `EventSink.publish` (send + the broker's acknowledgement), then the same
number with `--concurrency` publishes in flight at once (as the job runner's workers would),
printing events per second. A ~1 KB body, like a small record.

    .venv/bin/python bench/sink_publish.py [--events 2000] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import time

from bastion.config_sinks import EventSinkConfig
from bastion.jobs.sinks.route import open_sink
from bastion.jobs.sinks.sink import EventSink, SinkMessage

BROKERS = {
    "rabbitmq": ("amqp://guest:guest@127.0.0.1:5672/", "bastion_bench_{tag}"),
    "nats": ("nats://127.0.0.1:4222", "BENCH_{TAG}"),
    "redis": ("redis://127.0.0.1:6379/0", "bastion_bench:{tag}"),
}


def body() -> bytes:
    record = {"id": "k2lq3x9v0a1b2c3", "title": "x" * 800, "created": "2026-12-02 16:47:41.123Z"}
    return json.dumps(
        {"type": "record.created", "timestamp": "2026-12-02T16:47:41.123Z", "data": record}
    ).encode()


async def cleanup(kind: str, sink: EventSink, target: str) -> None:
    if kind == "redis":
        import redis.asyncio as redis_asyncio

        client = redis_asyncio.from_url(BROKERS["redis"][0])
        await client.delete(target)
        await client.aclose()
    elif kind == "nats":
        import nats

        nc = await nats.connect(BROKERS["nats"][0])
        await nc.jetstream().delete_stream(target)
        await nc.close()
    else:
        import aio_pika

        connection = await aio_pika.connect(BROKERS["rabbitmq"][0])
        channel = await connection.channel()
        await channel.exchange_delete(target)
        await connection.close()


async def run(kind: str, events: int, concurrency: int) -> str:
    url, pattern = BROKERS[kind]
    tag = secrets.token_hex(4)
    target = pattern.format(tag=tag, TAG=tag.upper())
    sink = open_sink(EventSinkConfig("bench", url, target))
    payload = body()
    try:
        await sink.publish(SinkMessage("evt_warmup", "record.created", "posts", payload))  # connects
        latencies = []
        for n in range(events):
            start = time.perf_counter()
            await sink.publish(SinkMessage(f"evt_seq{n}", "record.created", "posts", payload))
            latencies.append(time.perf_counter() - start)
        queue = list(range(events))

        async def worker() -> None:
            while queue:
                n = queue.pop()
                await sink.publish(SinkMessage(f"evt_par{n}", "record.created", "posts", payload))

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        rate = events / (time.perf_counter() - start)
    finally:
        await sink.close()
        await cleanup(kind, sink, target)
    q = statistics.quantiles(latencies, n=100)
    return (
        f"{kind:9} p50 {q[49] * 1000:6.2f} ms  p99 {q[98] * 1000:6.2f} ms  "
        f"sequential {1 / statistics.mean(latencies):7.0f}/s  {concurrency} in flight {rate:7.0f}/s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    for kind in BROKERS:
        print(await run(kind, args.events, args.concurrency), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
