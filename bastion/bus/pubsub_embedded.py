"""Pub/sub through the embedded broker of this node (broker.py): `realtime_pubsub = memory` with
several workers, no external service.

One connection per instance: it subscribes to the instance's channel and publishes to any. When
the broker connection drops (the broker restarting), the reader reconnects with a growing delay
and subscribes again; publishes meanwhile fail (the bridge logs them) rather than queue up.

`publish` returns when the broker confirms the message has been handed to every subscriber
(a C frame; confirmations come back in the order of the publishes, on the connection the reader
task reads), so what anyone publishes afterwards is delivered after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from bastion.bus.broker_frames import (
    ACK,
    CONFIRM,
    MESSAGE,
    SUBSCRIBE,
    FrameError,
    frame,
    publish_frame,
    read_frame,
)
from bastion.bus.pubsub import OnMessage, PubSub

log = logging.getLogger("bastion.bus")

CONNECT_TIMEOUT = 5.0
RECONNECT_MAX_DELAY = 5.0
WRITE_HIGH_WATER = 4 * 1024 * 1024  # publishes wait for the broker beyond this many unsent bytes
CONFIRM_TIMEOUT = 5.0  # a publish the broker has not confirmed by then fails
PING_CHANNEL = "bastion.ping"  # readiness (ping): subscribed by nobody


class EmbeddedPubSub(PubSub):
    def __init__(self, url: str) -> None:
        self.path = url.removeprefix("embedded:")
        self.channel = ""
        self._on_message: OnMessage | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._unconfirmed: deque[asyncio.Future[None]] = deque()  # oldest publish first

    async def start(self, channel: str, on_message: OnMessage) -> None:
        self.channel, self._on_message = channel, on_message
        await self._connect()  # an absent broker fails here, at start
        self._task = asyncio.get_running_loop().create_task(self._read_forever())

    async def _connect(self) -> None:
        reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(self.path), CONNECT_TIMEOUT)
        try:
            writer.transport.set_write_buffer_limits(high=WRITE_HIGH_WATER)
            writer.write(frame(SUBSCRIBE, self.channel.encode()))
            kind, _ = await asyncio.wait_for(read_frame(reader), CONNECT_TIMEOUT)
            if kind != ACK:
                raise FrameError("the broker did not confirm the subscription")
        except BaseException:
            writer.close()
            raise
        self._reader, self._writer = reader, writer

    async def _read_forever(self) -> None:
        delay = 0.1
        while self._on_message is not None:
            try:
                if self._reader is None:
                    await self._connect()
                    log.warning("embedded pub/sub connected again")
                    delay = 0.1
                reader = self._reader
                assert reader is not None  # _connect() set it, or raised
                kind, body = await read_frame(reader)
            except asyncio.CancelledError:
                raise
            except (OSError, EOFError, asyncio.IncompleteReadError, TimeoutError) as exc:
                if self._writer is not None:
                    log.warning("embedded pub/sub connection lost (%s); reconnecting", exc)
                self._drop_connection()
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_DELAY)
                continue
            if kind == MESSAGE and self._on_message is not None:
                self._on_message(body)
            elif kind == CONFIRM and self._unconfirmed:
                waiter = self._unconfirmed.popleft()
                if not waiter.done():
                    waiter.set_result(None)

    def _drop_connection(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
        while self._unconfirmed:  # their confirmations can no longer come
            waiter = self._unconfirmed.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectionError("the embedded broker connection was lost"))

    async def publish(self, payload: bytes, channel: str | None = None) -> None:
        writer = self._writer
        if writer is None:
            raise ConnectionError("the embedded broker is not connected")
        waiter = asyncio.get_running_loop().create_future()
        waiter.add_done_callback(_retrieve)  # a publish that timed out leaves no unread error
        self._unconfirmed.append(waiter)
        writer.write(publish_frame(channel or self.channel, payload))
        await writer.drain()  # waits only past WRITE_HIGH_WATER: a stalled broker bounds memory
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
        # lands as the confirmation does. A waiter cancelled here stays queued for its
        # confirmation, which keeps the later ones matched to their publishes.
        async with asyncio.timeout(CONFIRM_TIMEOUT):
            await waiter

    async def ping(self) -> None:
        """A publish to a channel nobody subscribes to, confirmed by the broker."""
        await self.publish(b"", PING_CHANNEL)

    async def close(self) -> None:
        self._on_message = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
            self._task = None
        writer = self._writer
        self._drop_connection()
        if writer is not None:
            with contextlib.suppress(Exception):
                await writer.wait_closed()


def _retrieve(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()
