"""Real consumers for the sink contract: each reads what a sink published to its broker.

One per broker, reading the way an application would: RabbitMQ through a queue bound to the
exchange with `#`, JetStream by reading the stream, Redis with XRANGE. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Any

SAFETY_TIMEOUT = 10.0
HOST = "127.0.0.1"
PORTS = {"rabbitmq": 5672, "nats": 4222, "redis": 6379}


def url(broker: str, port: int | None = None) -> str:
    port = port or PORTS[broker]
    return {
        "rabbitmq": f"amqp://guest:guest@{HOST}:{port}/",
        "nats": f"nats://{HOST}:{port}",
        "redis": f"redis://{HOST}:{port}/0",
    }[broker]


def new_target(broker: str) -> str:
    tag = secrets.token_hex(5)
    return {
        "rabbitmq": f"bastion_test_{tag}",
        "nats": f"BT_{tag.upper()}:bt.{tag}",
        "redis": f"bastion_test:{tag}",
    }[broker]


class Consumer:
    """What a sink published: (event id, body, routing) in order."""

    async def open(self, target: str) -> Consumer:
        raise NotImplementedError

    async def received(self) -> list[tuple[str, bytes, str]]:
        raise NotImplementedError

    async def wait_for(self, n: int) -> list[tuple[str, bytes, str]]:
        """At least `n` messages (all received so far), or AssertionError after SAFETY_TIMEOUT."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SAFETY_TIMEOUT
        while True:
            got = await self.received()
            if len(got) >= n or loop.time() > deadline:
                assert len(got) >= n, f"{len(got)} of {n} messages arrived within {SAFETY_TIMEOUT} s"
                return got
            await asyncio.sleep(0.05)

    async def close(self) -> None: ...


class RabbitConsumer(Consumer):
    async def open(self, target: str) -> Consumer:
        import aio_pika

        self.exchange_name = target
        self.connection = await aio_pika.connect(url("rabbitmq"), timeout=5)
        channel = await self.connection.channel()
        self.exchange = await channel.declare_exchange(target, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(self.exchange, routing_key="#")
        self.messages: list[tuple[str, bytes, str]] = []

        async def take(message: Any) -> None:
            assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
            self.messages.append((message.message_id, message.body, message.routing_key))
            await message.ack()

        await queue.consume(take)
        return self

    async def received(self) -> list[tuple[str, bytes, str]]:
        return list(self.messages)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.exchange.delete()
        await self.connection.close()


class JetStreamConsumer(Consumer):
    async def open(self, target: str) -> Consumer:
        import nats

        self.stream = target.partition(":")[0]
        self.nc = await nats.connect(url("nats"), connect_timeout=5, allow_reconnect=False)
        self.js = self.nc.jetstream(timeout=5)
        return self

    async def received(self) -> list[tuple[str, bytes, str]]:
        from nats.js.errors import NotFoundError

        try:
            info = await self.js.stream_info(self.stream)
        except NotFoundError:  # the sink creates the stream on its first publish
            return []
        if not info.state.messages:  # created, nothing stored yet: sequence 0 is not a message
            return []
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await self.js.get_msg(self.stream, seq)
            out.append((msg.headers["Nats-Msg-Id"], msg.data, msg.subject))
        return out

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.js.delete_stream(self.stream)
        await self.nc.close()


class RedisConsumer(Consumer):
    async def open(self, target: str) -> Consumer:
        import redis.asyncio as redis_asyncio

        self.key = target
        self.redis = redis_asyncio.from_url(url("redis"), socket_connect_timeout=5)
        await self.redis.ping()
        return self

    async def received(self) -> list[tuple[str, bytes, str]]:
        entries = await self.redis.xrange(self.key)
        return [
            (
                f[b"id"].decode(),
                f[b"body"],
                f"{f[b'collection'].decode()}.{f[b'type'].decode().split('.')[-1]}",
            )
            for _, f in entries
        ]

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.redis.delete(self.key)
        await self.redis.aclose()


async def open_consumer(broker: str, target: str) -> Consumer:
    consumer = {"rabbitmq": RabbitConsumer, "nats": JetStreamConsumer, "redis": RedisConsumer}[broker]()
    return await consumer.open(target)
