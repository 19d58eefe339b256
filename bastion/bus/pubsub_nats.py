"""Pub/sub over NATS core subjects (the client reconnects by itself)."""

from __future__ import annotations

import contextlib
from typing import Any

from bastion.bus.pubsub import OnMessage, PubSub


class NatsPubSub(PubSub):
    def __init__(self, url: str) -> None:
        self.url = url
        self._nc: Any = None
        self.subject = ""

    async def start(self, channel: str, on_message: OnMessage) -> None:
        import nats  # 0.3 s to import: only when this backend is chosen

        self.subject = channel
        self._nc = await nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=-1)

        async def deliver(msg: Any) -> None:
            on_message(msg.data)

        await self._nc.subscribe(channel, cb=deliver)
        await self._nc.flush()  # the subscription is in place once start returns

    async def publish(self, payload: bytes, channel: str | None = None) -> None:
        await self._nc.publish(channel or self.subject, payload)
        # the server's PONG follows its routing of the message to every subscriber: publishes
        # made after this returns are delivered after it (PubSub.publish's promise)
        await self._nc.flush(timeout=5)

    async def close(self) -> None:
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()
            self._nc = None
