"""Pub/sub between nodes: a small interface and the in-memory backend (pubsub_open.py picks one).

A backend carries opaque payloads (bytes) on one channel. Every subscriber on the channel gets
every message, the publisher's own included, in the order one publisher sent them; delivery is
at most once (a node that is down misses what was sent meanwhile: realtime clients reconnect and
re-fetch). The backends, chosen by `realtime_pubsub`:

    memory     this process only (one node; also the contract suite's reference)
    redis://…  Redis PUBLISH/SUBSCRIBE                    (pubsub_redis.py)
    nats://…   NATS core subjects                         (pubsub_nats.py)
    postgres   LISTEN/NOTIFY on the data database          (pubsub_postgres.py)
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable

OnMessage = Callable[[bytes], None]


class PubSub(ABC):
    @abstractmethod
    async def start(self, channel: str, on_message: OnMessage) -> None:
        """Connect and subscribe to `channel`; `on_message` is called on the loop, must not block."""

    @abstractmethod
    async def publish(self, payload: bytes) -> None:
        """Send one message to every subscriber of the channel."""

    @abstractmethod
    async def close(self) -> None:
        """Unsubscribe and disconnect; no message is delivered afterwards."""


class MemoryPubSub(PubSub):
    """Channels shared by the instances in this process."""

    _channels: dict[str, set[MemoryPubSub]] = {}

    def __init__(self) -> None:
        self.channel = ""
        self._on_message: OnMessage | None = None

    async def start(self, channel: str, on_message: OnMessage) -> None:
        self.channel, self._on_message = channel, on_message
        self._channels.setdefault(channel, set()).add(self)

    async def publish(self, payload: bytes) -> None:
        loop = asyncio.get_running_loop()
        for peer in list(self._channels.get(self.channel, ())):
            if peer._on_message is not None:
                loop.call_soon(peer._on_message, payload)  # delivered later, as a broker would

    async def close(self) -> None:
        self._on_message = None
        self._channels.get(self.channel, set()).discard(self)


def backend_kind(url: str) -> str:
    """`memory`, `redis`, `nats` or `postgres` for a `realtime_pubsub` value; ValueError if none."""
    if url in ("", "memory"):
        return "memory"
    if url == "postgres":
        return "postgres"
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("redis", "rediss", "unix"):
        return "redis"
    if scheme in ("nats", "tls"):
        return "nats"
    raise ValueError(url)
