"""A small HTTP/3 client for the tests, on aioquic's asyncio QUIC client and its H3Connection
(after aioquic's examples/http3_client.py): requests on one QUIC connection, each stream's
events in a queue, so a test can read a whole answer or an SSE stream as it comes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aioquic.asyncio.client import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import DataReceived, H3Event, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import QuicEvent


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Stream:
    """One request's answer as it arrives."""

    events: asyncio.Queue[H3Event] = field(default_factory=asyncio.Queue)

    async def head(self, timeout: float = 10) -> Answer:
        event = await asyncio.wait_for(self.events.get(), timeout)
        assert isinstance(event, HeadersReceived), event
        headers = {k.decode(): v.decode() for k, v in event.headers}
        return Answer(int(headers.pop(":status")), headers)

    async def chunks(self, timeout: float = 10) -> AsyncIterator[bytes]:
        while True:
            event = await asyncio.wait_for(self.events.get(), timeout)
            if isinstance(event, DataReceived):
                yield event.data
            if getattr(event, "stream_ended", False):
                return


class Http3Client(QuicConnectionProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._http = H3Connection(self._quic)
        self._streams: dict[int, Stream] = {}
        self.authority = b"localhost"

    def quic_event_received(self, event: QuicEvent) -> None:
        for h3_event in self._http.handle_event(event):
            stream = self._streams.get(getattr(h3_event, "stream_id", -1))
            if stream is not None:
                stream.events.put_nowait(h3_event)

    def open(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Stream:
        stream_id = self._quic.get_next_available_stream_id()
        self._streams[stream_id] = stream = Stream()
        self._http.send_headers(
            stream_id,
            [
                (b":method", method.encode()),
                (b":scheme", b"https"),
                (b":authority", self.authority),
                (b":path", path.encode()),
                *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
            ],
            end_stream=not body,
        )
        if body:
            self._http.send_data(stream_id, body, end_stream=True)
        self.transmit()
        return stream

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Answer:
        stream = self.open(method, path, body, headers)
        answer = await stream.head()
        answer.body = b"".join([chunk async for chunk in stream.chunks()])
        return answer


@asynccontextmanager
async def http3_client(
    host: str, port: int, cafile: Path, idle_timeout: float = 60.0
) -> AsyncIterator[Http3Client]:
    """A connected client that trusts `cafile`, naming the server `localhost` (SNI, :authority).
    A server that does not answer fails it with ConnectionError after `idle_timeout` s (bound it
    so rather than by cancelling: a connect cancelled midway leaves its UDP socket open)."""
    configuration = QuicConfiguration(
        is_client=True, alpn_protocols=H3_ALPN, server_name="localhost", idle_timeout=idle_timeout
    )
    configuration.load_verify_locations(str(cafile))
    async with connect(host, port, configuration=configuration, create_protocol=Http3Client) as client:
        yield client  # type: ignore[misc]  # connect yields the protocol create_protocol made
