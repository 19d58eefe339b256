"""Pub/sub over NATS core subjects (the client reconnects by itself).

Order: NATS keeps one connection's messages in order, but nothing orders two connections'
messages by when their publishes returned — and nats-py's `flush()` is no help, as it writes its
PING straight to the socket, ahead of publishes still in the client's buffer (measured: 3 of
3,000 messages published in turn by three connections, each after the previous publish and
flush returned, reached every subscriber swapped). So a publish on the subscribed channel
returns when its own copy comes back, tagged with a header: the server routes a message to all
of a subject's subscribers in one step, so by then every subscriber has it queued, and whatever
is published next is delivered after it (PubSub.publish's promise).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
from typing import Any

from bastion.bus.pubsub import OnMessage, PubSub

ECHO_HEADER = "Bastion-Echo"
ECHO_TIMEOUT = 5.0  # a publish whose copy has not come back by then fails


class NatsPubSub(PubSub):
    def __init__(self, url: str) -> None:
        self.url = url
        self._nc: Any = None
        self.subject = ""
        self._echo_prefix = secrets.token_hex(6) + "-"
        self._echo_ids = itertools.count()
        self._echoes: dict[str, asyncio.Future[None]] = {}

    async def start(self, channel: str, on_message: OnMessage) -> None:
        import nats  # 0.3 s to import: only when this backend is chosen

        self.subject = channel
        self._nc = await nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=-1)

        async def deliver(msg: Any) -> None:
            echo = (msg.headers or {}).get(ECHO_HEADER)
            if echo is not None:
                waiter = self._echoes.get(echo)
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)
            on_message(msg.data)

        await self._nc.subscribe(channel, cb=deliver)
        await self._nc.flush()  # the subscription is in place once start returns

    async def publish(self, payload: bytes, channel: str | None = None) -> None:
        subject = channel or self.subject
        if subject != self.subject:  # another process's inbox: no copy comes back to wait for
            await self._nc.publish(subject, payload)
            return
        echo = self._echo_prefix + str(next(self._echo_ids))
        waiter = self._echoes[echo] = asyncio.get_running_loop().create_future()
        try:
            await self._nc.publish(subject, payload, headers={ECHO_HEADER: echo})
            async with asyncio.timeout(ECHO_TIMEOUT):  # not wait_for: it can swallow a cancel
                await waiter
        finally:
            self._echoes.pop(echo, None)

    async def ping(self) -> None:
        if self._nc is None or not self._nc.is_connected:  # reconnecting: nothing gets through
            raise ConnectionError("not connected to NATS")
        await self._nc.flush()  # PING, and wait for the server's PONG

    async def close(self) -> None:
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()
            self._nc = None
