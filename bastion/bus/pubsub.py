"""Pub/sub between nodes: a small interface and the in-memory backend (pubsub_open.py picks one).

A backend subscribes to one channel and carries opaque payloads (bytes). Every subscriber on a
channel gets every message sent to it, the publisher's own included, in the order one publisher
sent them; delivery is at most once (a node that is down misses what was sent meanwhile:
realtime clients reconnect and re-fetch). A message goes to the backend's own channel, or to
another one named in `publish` (a process's own inbox, for commands addressed to it). The
backends, chosen by `realtime_pubsub`:

    memory     this process only (one node; also the contract suite's reference)
    embedded:… the worker processes of one node, through the broker `serve` starts
               (pubsub_embedded.py, broker.py)
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
    async def publish(self, payload: bytes, channel: str | None = None) -> None:
        """Send one message to every subscriber of `channel` (by default the one subscribed to).

        On the channel subscribed to, returns once the backend has taken the message in its
        order: a message anyone publishes there after that reaches every subscriber after this
        one (Redis answers a PUBLISH after queueing it for every subscriber, PostgreSQL queues a
        NOTIFY at commit, the embedded broker confirms each publish, and a NATS publish waits
        for its own copy to come back: pubsub_nats.py says why)."""

    @abstractmethod
    async def close(self) -> None:
        """Unsubscribe and disconnect; no message is delivered afterwards."""

    @abstractmethod
    async def ping(self) -> None:
        """One round trip to the service; raises when it cannot carry messages now (the caller
        bounds the wait). Readiness asks it (api/ready.py)."""


class MemoryPubSub(PubSub):
    """Channels shared by the instances in this process."""

    _channels: dict[str, set[MemoryPubSub]] = {}

    def __init__(self) -> None:
        self.channel = ""
        self._on_message: OnMessage | None = None

    async def start(self, channel: str, on_message: OnMessage) -> None:
        self.channel, self._on_message = channel, on_message
        self._channels.setdefault(channel, set()).add(self)

    async def publish(self, payload: bytes, channel: str | None = None) -> None:
        loop = asyncio.get_running_loop()
        for peer in list(self._channels.get(channel or self.channel, ())):
            if peer._on_message is not None:
                loop.call_soon(peer._on_message, payload)  # delivered later, as a broker would

    async def ping(self) -> None:
        """Nothing to ask: the channels are this process's own."""

    async def close(self) -> None:
        self._on_message = None
        self._channels.get(self.channel, set()).discard(self)


def backend_kind(url: str) -> str:
    """`memory`, `redis`, `nats` or `postgres` for a `realtime_pubsub` value; ValueError if none."""
    if url in ("", "memory"):
        return "memory"
    if url == "postgres":
        return "postgres"
    if url.startswith("embedded:"):
        return "embedded"
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("redis", "rediss", "unix"):
        return "redis"
    if scheme in ("nats", "tls"):
        return "nats"
    raise ValueError(url)
