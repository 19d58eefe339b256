"""Delivery latency of record events to each broker sink, from the write's commit to a consumer.

One App (SQLite in a temporary directory, or `--database-url`), its job runner on (the default
`jobs_concurrency`), one sink for `posts` attached as App.start would (`attach_sinks`). Records
are created one after another through RecordService, each in its own transaction; a consumer on
the broker (RabbitMQ queue, a NATS subscription on the stream's subjects, Redis XREAD BLOCK)
notes when each record's event arrives. Prints p50/p99 of commit → receipt and the rate at which
events arrived. Back to back (the default) the writes outrun the deliveries, so it measures the
throughput and the backlog's wait; `--interval 0.01` paces them (100 writes/s) for the latency of
an event that finds the queue idle.

    .venv/bin/python bench/sink_latency.py [--events 1000] [--interval 0.01] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bastion.app import App
from bastion.config import Config
from bastion.config_sinks import EventSinkConfig
from bastion.jobs.outbox import acting_superuser
from bastion.jobs.sinks.route import attach_sinks

URLS = {
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672/",
    "nats": "nats://127.0.0.1:4222",
    "redis": "redis://127.0.0.1:6379/0",
}


async def consume(kind: str, target: str, arrived: Callable[[bytes], None]) -> Callable[[], Any]:
    """Start a consumer; returns its closer."""
    if kind == "rabbitmq":
        import aio_pika

        connection = await aio_pika.connect(URLS[kind])
        channel = await connection.channel()
        exchange = await channel.declare_exchange(target, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, "#")

        async def take(message: Any) -> None:
            arrived(message.body)

        await queue.consume(take, no_ack=True)

        async def close_rabbit() -> None:
            await exchange.delete()
            await connection.close()

        return close_rabbit
    if kind == "nats":
        import nats

        nc = await nats.connect(URLS[kind])

        async def deliver(msg: Any) -> None:
            arrived(msg.data)

        await nc.subscribe(f"{target}.>", cb=deliver)  # JetStream-stored messages reach it too

        async def close_nats() -> None:
            await nc.jetstream().delete_stream(target)
            await nc.close()

        return close_nats
    import redis.asyncio as redis_asyncio

    client = redis_asyncio.from_url(URLS[kind])

    async def read() -> None:
        last = "$"
        while True:
            for _, entries in await client.xread({target: last}, block=1000) or []:
                for entry_id, fields in entries:
                    last = entry_id
                    arrived(fields[b"body"])

    reader = asyncio.get_running_loop().create_task(read())

    async def close_redis() -> None:
        reader.cancel()
        await client.delete(target)
        await client.aclose()

    return close_redis


async def run(kind: str, events: int, database_url: str, interval: float) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        app = await App(Config(data_dir=Path(tmp), database_url=database_url)).start()
        dialect = app.db.dialect
        target = (
            "BENCH_" + secrets.token_hex(4).upper() if kind == "nats" else "bench_" + secrets.token_hex(4)
        )
        committed: dict[str, float] = {}
        received: dict[str, float] = {}
        done = asyncio.Event()

        def arrived(body: bytes) -> None:
            received[json.loads(body)["data"]["record"]["id"]] = time.perf_counter()
            if len(received) >= events:
                done.set()

        close_consumer = await consume(kind, target, arrived)
        close_sinks = attach_sinks(app.jobs, app.outbox, [EventSinkConfig("bench", URLS[kind], target)])
        try:
            async with app.db.transaction() as tx:
                posts = await app.collections.create(
                    tx, {"name": "posts", "fields": [{"name": "title", "type": "text"}]}
                )
            app.registry.put(posts)
            root = acting_superuser(app.registry)
            started = time.perf_counter()
            for n in range(events):
                async with app.db.transaction() as tx:
                    record = await app.records.create(tx, posts, {"title": f"t{n}"}, root)
                committed[record.id] = time.perf_counter()
                if interval:
                    await asyncio.sleep(interval)
            await asyncio.wait_for(done.wait(), 120)
            elapsed = max(received.values()) - started
        finally:
            await app.stop()
            await close_sinks()
            await close_consumer()
    latencies = [received[i] - committed[i] for i in committed]
    q = statistics.quantiles(latencies, n=100)
    return (
        f"{dialect:10} {kind:9} commit→receipt p50 {q[49] * 1000:6.1f} ms  p99 {q[98] * 1000:6.1f} ms"
        f"  {events / elapsed:6.0f} events/s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--interval", type=float, default=0.0, help="seconds between writes (0: back to back, a backlog)"
    )
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    for kind in URLS:  # PostgreSQL: a URL per broker, `{kind}` in it (e.g. ?search_path=bench_{kind})
        url = args.database_url.replace("{kind}", kind)
        print(await run(kind, args.events, url, args.interval), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
