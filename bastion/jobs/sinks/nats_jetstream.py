"""NATS JetStream: one stream, subjects `{prefix}.{collection}.{created|updated|deleted}`.

The target is `STREAM` or `STREAM:prefix` (the prefix defaults to the stream's name). On connect
the stream is looked up, and created (file storage, subjects `{prefix}.>`) when it does not exist.
Every message carries the `Nats-Msg-Id` header = the event id, so JetStream drops a retried event
it already stored within the stream's duplicate window (two minutes by default); `publish` waits
for JetStream's acknowledgement (the stream has stored it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bastion.jobs.sinks.sink import EventSink, SinkMessage

T = TypeVar("T")


def split_target(target: str) -> tuple[str, str]:
    """(stream, subject prefix) of a JetStream target `STREAM` or `STREAM:prefix`."""
    stream, _, prefix = target.partition(":")
    return stream, prefix or stream


@dataclass
class _Nats:
    nc: Any
    js: Any
    # Set when the client notices its connection is gone: a request waiting for its ack would
    # otherwise wait out the whole timeout, since nats-py leaves it pending on a closed connection.
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def until_closed(self, operation: Awaitable[T]) -> T:
        waiting = asyncio.ensure_future(operation)
        closing = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({waiting, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closing.cancel()
            if not waiting.done():
                waiting.cancel()
            with contextlib.suppress(BaseException):
                await closing
        if waiting.cancelled() or not waiting.done():
            raise ConnectionError("the connection to NATS closed before JetStream acknowledged")
        return waiting.result()


class JetStreamSink(EventSink[_Nats]):
    kind = "NATS JetStream"

    def __init__(self, name: str, url: str, target: str, *, timeout: float = 10.0) -> None:
        super().__init__(name, url, target, timeout=timeout)
        self.stream, self.prefix = split_target(target)

    async def _open(self) -> _Nats:
        import nats  # 0.3 s to import: only when a NATS sink is configured
        from nats.errors import NoServersError
        from nats.js.errors import NotFoundError

        errors: list[Exception] = []
        closed = asyncio.Event()

        async def remember(exc: Exception) -> None:  # instead of the client's traceback on stderr
            errors.append(exc)

        async def on_closed() -> None:
            closed.set()

        # No reconnect loop inside the client: a dropped connection fails the publish at once
        # (SinkError, the job retries) and the next publish connects anew. One attempt per
        # server (nats-py counts the first as a reconnect too), so a broker that is down fails fast.
        try:
            nc = await nats.connect(
                self.url,
                connect_timeout=self.timeout,
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0.05,
                error_cb=remember,
                disconnected_cb=on_closed,
                closed_cb=on_closed,
            )
        except NoServersError:
            raise ConnectionError(
                f"cannot connect: {errors[-1] if errors else 'no server answered'}"
            ) from None
        try:
            js = nc.jetstream(timeout=self.timeout)
            try:
                await js.stream_info(self.stream)
            except NotFoundError:
                await js.add_stream(name=self.stream, subjects=[f"{self.prefix}.>"])
        except BaseException:
            await nc.close()
            raise
        return _Nats(nc, js, closed)

    async def _send(self, client: _Nats, message: SinkMessage) -> None:
        from nats.js.errors import NoStreamResponseError

        subject = f"{self.prefix}.{message.routing_key}"
        try:
            await client.until_closed(
                client.js.publish(
                    subject,
                    message.body,
                    stream=self.stream,  # JetStream refuses rather than storing it in another stream
                    headers={"Nats-Msg-Id": message.id, "Bastion-Event-Type": message.type},
                )
            )
        except NoStreamResponseError:
            raise LookupError(
                f"no JetStream stream takes subject {subject} (stream {self.stream} must cover {self.prefix}.>)"
            ) from None

    async def _close_client(self, client: _Nats) -> None:
        await client.nc.close()

    def _usable(self, client: _Nats) -> bool:
        return bool(client.nc.is_connected) and not client.closed.is_set()
