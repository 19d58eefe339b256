"""Pub/sub over Redis PUBLISH/SUBSCRIBE (one connection subscribes, the pool publishes)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bastion.bus.pubsub import OnMessage, PubSub

log = logging.getLogger("bastion.bus")


class RedisPubSub(PubSub):
    def __init__(self, url: str) -> None:
        import redis.asyncio as redis_asyncio  # 0.6 s to import: only when this backend is chosen

        self._redis: Any = redis_asyncio.from_url(url)
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self.channel = ""

    async def start(self, channel: str, on_message: OnMessage) -> None:
        self.channel = channel
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(channel)  # fails here, at start, when Redis is unreachable
        self._reader = asyncio.get_running_loop().create_task(self._read(on_message))

    async def _read(self, on_message: OnMessage) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=None)
            except asyncio.CancelledError:
                raise
            except Exception:  # a dropped connection: redis-py reconnects on the next read
                log.warning("redis pub/sub read failed; retrying", exc_info=True)
                await asyncio.sleep(1)
                continue
            if message is not None and message.get("type") == "message":
                on_message(message["data"])

    async def publish(self, payload: bytes, channel: str | None = None) -> None:
        await self._redis.publish(channel or self.channel, payload)

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        with contextlib.suppress(Exception):
            await self._redis.aclose()
