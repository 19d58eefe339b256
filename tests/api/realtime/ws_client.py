"""A WebSocket client that drives the ASGI app directly (in-process, like the SSE test client).

Events land in `events` as the same `Event(id, name, data)` the SSE client produces (name = the
subscription, data = `{"record", "action"}`), so one test body can run over every transport;
replies to client messages land in `replies`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from tests.api.realtime.sse_client import SAFETY_TIMEOUT, Event, EventReader
from tests.conftest import ApiClient


@dataclass
class WsClient(EventReader):
    api: ApiClient
    asgi: Any
    token: str | None = None
    query: str = ""
    client_id: str = ""
    accepted: bool = False
    close_code: int | None = None
    close_reason: str = ""
    last_error: dict[str, Any] = field(default_factory=dict)
    greeting: dict[str, Any] = field(default_factory=dict)  # the first message: connect or error
    events: asyncio.Queue[Event | None] = field(default_factory=asyncio.Queue)
    replies: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    # cleared to stop reading: the app's next send then blocks, like a client that stopped reading
    reading: asyncio.Event = field(default_factory=asyncio.Event)
    _inbox: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None
    _next_id: int = 0

    async def open(self) -> WsClient:
        self.reading.set()
        headers = [(b"host", b"testserver"), (b"upgrade", b"websocket")]
        if self.token and not self.query:
            headers.append((b"authorization", self.token.encode()))
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "scheme": "ws",
            "path": "/api/realtime/ws",
            "raw_path": b"/api/realtime/ws",
            "query_string": self.query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50001),
            "server": ("testserver", 80),
            "subprotocols": [],
        }
        self._inbox.put_nowait({"type": "websocket.connect"})
        self._task = asyncio.get_running_loop().create_task(self._run(scope))
        first = self.greeting = await self.reply()
        if first.get("type") == "connect":
            self.client_id = first["clientId"]
        return self

    async def _run(self, scope: dict[str, Any]) -> None:
        try:
            await self.asgi(scope, self._inbox.get, self._send)
        finally:
            self.events.put_nowait(None)
            self.replies.put_nowait({"type": "closed"})

    async def _send(self, message: dict[str, Any]) -> None:
        await self.reading.wait()
        kind = message["type"]
        if kind == "websocket.accept":
            self.accepted = True
        elif kind == "websocket.close":
            self.close_code = message.get("code", 1000)
            self.close_reason = message.get("reason") or ""
        elif kind == "websocket.send":
            data = json.loads(message.get("text") or message.get("bytes"))
            if "topic" in data:
                body = {k: v for k, v in data.items() if k != "topic"}
                self.events.put_nowait(Event(self.client_id, data["topic"], body))
            else:
                self.replies.put_nowait(data)

    async def send(self, payload: dict[str, Any] | str) -> dict[str, Any]:
        """Send one message and return the reply to it."""
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self._inbox.put_nowait({"type": "websocket.receive", "text": text})
        return await self.reply()

    async def reply(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.replies.get(), SAFETY_TIMEOUT)

    async def subscribe(self, *subs: str, token: str | None = None) -> int:
        """Same contract as the SSE client's: 204 when the subscriptions are in place."""
        if token is not None:
            reply = await self.send({"type": "auth", "token": token})
            if reply["type"] != "ok":
                return int(reply["status"])
        await self.send({"type": "unsubscribe"})  # SSE replaces the set; do the same here
        reply = await self.send({"type": "subscribe", "subscriptions": list(subs)})
        self.last_error = {} if reply["type"] == "ok" else {k: v for k, v in reply.items() if k != "type"}
        return 204 if reply["type"] == "ok" else int(reply["status"])

    async def close(self) -> None:
        self._inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        self.reading.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, SAFETY_TIMEOUT)
