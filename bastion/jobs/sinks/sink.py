"""The interface every broker sink implements, and the lazy, self-healing connection they share.

A sink opens its connection on the first publish and reuses it for the life of the process. Any
failure (refused, dropped, no acknowledgement in time) drops the connection and raises
`SinkError` naming the sink and the cause; the job that called it retries later, and that publish
opens a new connection. So a broker that is down at start, or goes down mid-stream, delays events
and loses none: `publish` returns only once the broker has acknowledged the message.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

Client = TypeVar("Client")


class SinkError(Exception):
    """The broker did not take the event (unreachable, refused, or no acknowledgement in time)."""


@dataclass(frozen=True)
class SinkMessage:
    """One record event as a broker carries it: the JSON body and what routes it."""

    id: str  # unique per change; the de-duplication id on every broker
    type: str  # record.created | record.updated | record.deleted
    collection: str
    body: bytes  # {"type","timestamp","data":{"collection","record"}} as JSON

    @property
    def action(self) -> str:
        """created, updated or deleted."""
        return self.type.rsplit(".", 1)[-1]

    @property
    def routing_key(self) -> str:
        """`{collection}.{action}`: the AMQP routing key, and the NATS subject after the prefix."""
        return f"{self.collection}.{self.action}"


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class EventSink(ABC, Generic[Client]):
    """Publishes record events to one broker target; subclasses open, use and close the client."""

    kind = "broker"

    def __init__(self, name: str, url: str, target: str, *, timeout: float = 10.0) -> None:
        self.name = name
        self.url = url
        self.target = target
        self.timeout = timeout  # bounds one publish, connecting included
        self._client: Client | None = None
        self._connecting = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {redact(self.url)} {self.target!r}>"

    async def publish(self, message: SinkMessage) -> None:
        """Returns once the broker has acknowledged `message`; raises SinkError otherwise.

        A connection kept from an earlier publish that fails (the broker closed it, a restart, an
        idle timeout on the way) is replaced and the message sent once more on the new one, within
        the same time bound; a broker that is really down then fails the reconnect."""
        try:
            async with asyncio.timeout(self.timeout):
                reused = self._client is not None
                try:
                    await self._send_once(message)
                except Exception:
                    if not reused:
                        raise
                    await self._send_once(message)
        except Exception as exc:
            reason = "no answer in time" if isinstance(exc, TimeoutError) else _reason(exc)
            raise SinkError(
                f"event sink {self.name!r} could not publish event {message.id} to {self.kind} "
                f"{redact(self.url)} ({self.target}): {reason}"
            ) from exc

    async def _send_once(self, message: SinkMessage) -> None:
        client = await self._connected()
        try:
            await self._send(client, message)
        except BaseException:
            await self._drop(client)  # the next attempt opens a new connection
            raise

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await self._close_client(client)

    async def _connected(self) -> Client:
        client = self._client
        if client is not None and self._usable(client):
            return client
        async with self._connecting:  # concurrent publishes open one connection
            if self._client is not None and not self._usable(self._client):
                await self._drop(self._client)  # closed under us: by the broker, or a network fault
            if self._client is None:
                self._client = await self._open()
            return self._client

    async def _drop(self, client: Client) -> None:
        """Forget a connection that failed, unless another publish already replaced it."""
        if self._client is client:
            self._client = None
        with contextlib.suppress(Exception):
            await self._close_client(client)

    @abstractmethod
    async def _open(self) -> Client:
        """Connect and prepare the target (declare the exchange, find the stream)."""

    @abstractmethod
    async def _send(self, client: Client, message: SinkMessage) -> None:
        """Publish and wait for the broker's acknowledgement."""

    @abstractmethod
    async def _close_client(self, client: Client) -> None: ...

    def _usable(self, client: Client) -> bool:
        """False when the client already knows its connection is closed."""
        return True


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
