"""A long-polling client over the in-process API: a background task polls and queues the events
as the same `Event(id, name, data)` the SSE client produces."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from tests.api.realtime.sse_client import Event, EventReader, PostSubscriber
from tests.conftest import ApiClient


@dataclass
class PollClient(EventReader, PostSubscriber):
    api: ApiClient
    asgi: Any = None
    token: str | None = None
    client_id: str = ""
    cursor: int = 0
    last_status: int = 0
    last_error: dict[str, Any] = field(default_factory=dict)
    events: asyncio.Queue[Event | None] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None

    async def poll(self, wait: float = 5, **extra: Any) -> Any:
        body = {"clientId": self.client_id, "cursor": self.cursor, "timeout": wait, **extra}
        return await self.api.request("POST", "/api/realtime/poll", token=self.token, json=body)

    async def open(self) -> PollClient:
        r = await self.api.request("POST", "/api/realtime/poll", token=self.token, json={})
        assert r.status_code == 200, r.text
        self.client_id = r.json()["clientId"]
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def _run(self) -> None:
        try:
            while True:
                r = await self.poll()
                self.last_status = r.status_code
                if r.status_code != 200:
                    return
                answer = r.json()
                for e in answer["events"]:
                    body = {k: v for k, v in e.items() if k != "topic"}
                    self.events.put_nowait(Event(self.client_id, e["topic"], body))
                self.cursor = answer["cursor"]
        finally:
            self.events.put_nowait(None)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
