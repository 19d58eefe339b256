"""An SSE client that drives the ASGI app directly.

httpx's ASGITransport buffers a whole response, so it cannot read a stream that never ends; this
client runs the app itself and parses events as the app sends them. Waits have a generous safety
timeout only: the tests never rely on timing, they wait for a marker event instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import ApiClient

SAFETY_TIMEOUT = 15.0


@dataclass
class Event:
    id: str
    name: str
    data: Any


class EventReader:
    """Reading events from `self.events` (None marks the end), shared by every transport client."""

    events: asyncio.Queue[Event | None]

    async def next(self) -> Event:
        event = await asyncio.wait_for(self.events.get(), SAFETY_TIMEOUT)
        assert event is not None, "the stream ended"
        return event

    async def until(self, name: str) -> list[Event]:
        """Every event up to and including the first named `name` (the marker)."""
        seen = []
        while True:
            event = await self.next()
            seen.append(event)
            if event.name == name:
                return seen

    async def ended(self) -> bool:
        """Drains the stream; True once it has ended."""
        while (await asyncio.wait_for(self.events.get(), SAFETY_TIMEOUT)) is not None:
            pass
        return True


class PostSubscriber:
    """Subscriptions set through `POST /api/realtime` (the SSE way, which serves poll clients too)."""

    api: ApiClient
    client_id: str
    token: str | None
    last_error: dict[str, Any]

    async def subscribe(self, *subs: str, token: str | None = None) -> int:
        """The answer's status; an error's body (PocketBase's shape) is kept in `last_error`."""
        r = await self.api.request(
            "POST",
            "/api/realtime",
            token=token if token is not None else self.token,
            json={"clientId": self.client_id, "subscriptions": list(subs)},
        )
        self.last_error = r.json() if r.status_code >= 400 else {}
        return r.status_code


@dataclass
class SseClient(EventReader, PostSubscriber):
    api: ApiClient
    asgi: Any
    token: str | None = None
    client_id: str = ""
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    events: asyncio.Queue[Event | None] = field(default_factory=asyncio.Queue)
    retry_hints: list[str] = field(default_factory=list)
    last_error: dict[str, Any] = field(default_factory=dict)
    # cleared to stop reading: the app's next send then blocks, like a client that stopped reading
    reading: asyncio.Event = field(default_factory=asyncio.Event)
    _disconnect: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _buffer: bytes = b""

    async def open(self) -> SseClient:
        self.reading.set()
        headers = [(b"accept", b"text/event-stream"), (b"host", b"testserver")]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/api/realtime",
            "raw_path": b"/api/realtime",
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self._task = asyncio.get_running_loop().create_task(self.asgi(scope, self._receive, self._send))
        connect = await self.next()
        assert connect.name == "PB_CONNECT"
        self.client_id = connect.data["clientId"]
        return self

    async def _receive(self) -> dict[str, Any]:
        await self._disconnect.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        await self.reading.wait()
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
            return
        self._buffer += message.get("body", b"")
        while b"\n\n" in self._buffer:
            block, self._buffer = self._buffer.split(b"\n\n", 1)
            self._parse(block.decode())
        if not message.get("more_body", False):
            self.events.put_nowait(None)  # the stream ended

    def _parse(self, block: str) -> None:
        values: dict[str, str] = {}
        for line in block.split("\n"):
            key, _, value = line.partition(":")
            values[key] = value
        if "retry" in values:
            self.retry_hints.append(values["retry"])
        if "event" in values:
            self.events.put_nowait(Event(values.get("id", ""), values["event"], json.loads(values["data"])))

    async def close(self) -> None:
        self._disconnect.set()
        self.reading.set()
        if self._task is not None:
            # a torn-down stream may end with an error; that is not under test here
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, SAFETY_TIMEOUT)
