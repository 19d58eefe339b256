"""Pub/sub over Redis PUBLISH/SUBSCRIBE (one connection subscribes, the pool publishes).

Connections come from a bounded pool that publishers wait on: the subscription holds one of
them for as long as it lives, and the others carry publishes. With a connection each, a burst
of concurrent publishes (a forwarded realtime command per request, job wake-ups) opened one
socket per caller; and with no connect timeout, a connect to a hung Redis blocked its caller
forever. Now a connect gives up after a few seconds, and a publish that waits longer than that
for a free connection fails like any other publish to an unavailable Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bastion.bus.pubsub import OnMessage, PubSub
from bastion.bus.redis_client import bounded_redis

log = logging.getLogger("bastion.bus")

# Per process: the subscription's connection and seven for publishes, which Redis runs one at a
# time anyway, so more would only wait inside Redis instead of here.
MAX_CONNECTIONS = 8
TIMEOUT = 5.0  # seconds: to connect, to wait for a free connection, for a command's reply


class RedisPubSub(PubSub):
    def __init__(
        self,
        url: str,
        *,
        max_connections: int = MAX_CONNECTIONS,
        timeout: float = TIMEOUT,
        client_name: str = "bastion-pubsub",
    ) -> None:
        import redis.asyncio as redis_asyncio  # 0.6 s to import: only when this backend is chosen

        # socket_timeout (set by bounded_redis) bounds a publish's reply; it does not cut the
        # subscriber's idle wait: in redis-py 8.1 (pinned), get_message(timeout=None) reads with
        # timeout=math.inf, which Connection.read_response takes as "no timeout" rather than
        # falling back to socket_timeout (an older redis-py would time that read out every
        # `timeout` seconds: the reader loop would log a warning and sleep a second each time; a
        # test checks it does not).
        self._redis: Any = bounded_redis(
            url, max_connections=max_connections, timeout=timeout, client_name=client_name
        )
        self._errors: tuple[type[BaseException], ...] = (redis_asyncio.RedisError, OSError)
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
        try:
            await self._redis.publish(channel or self.channel, payload)
        except self._errors as exc:
            # redis-py's errors are not the built-in ConnectionError / TimeoutError that callers
            # catch as "the pub/sub is unavailable" (realtime/client_router.py): say it in those terms
            raise ConnectionError(f"redis publish failed: {exc}") from exc

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
