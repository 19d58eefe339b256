"""Realtime fan-out: N clients on PocketBase's SSE protocol (or Bastion's WebSocket transport),
one write, time until all have it.

Each subscriber is a raw asyncio HTTP/1.1 stream (cheaper per event than a full HTTP client, so
the measuring side adds as little as it can): GET /api/realtime, read `PB_CONNECT` for the client
id, POST the subscription to `posts` with the user's token. Then one record is created at a time;
the latency of a write is from just before the POST until the last of the N clients has the event
(`p50_ms`/`p99_ms` over the writes), and each client's own commit→delivery time is reported too
(`delivery_p50_ms`/`delivery_p99_ms`). The server's RSS is read before the streams open and
while all are open, giving the memory one idle stream costs (`kb_per_stream`).

Every phase is bounded in time: subscribers that have not connected within `JOIN_SECONDS` are
counted as `refused`, and a write whose event has not reached everyone within `WAIT_SECONDS`
counts the rest as `missed`.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

SUBSCRIBE_CONCURRENCY = 50
WAIT_SECONDS = 30.0
JOIN_SECONDS = 300.0


def raise_open_files() -> int:
    """Lift this process's open-file limit to its hard limit (servers started later inherit it);
    10,000 streams need 10,000 sockets on each side. Returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Subscriber:
    def __init__(self, fanout: Fanout) -> None:
        self.fanout = fanout
        self.client_id = ""
        self.connected = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def join(self, host: str, port: int, http: httpx.AsyncClient) -> None:
        await self.open(host, port)
        r = await http.post("/api/realtime", json={"clientId": self.client_id, "subscriptions": ["posts"]})
        r.raise_for_status()

    async def open(self, host: str, port: int) -> None:
        reader, self.writer = await asyncio.open_connection(host, port, limit=1 << 20)
        self.writer.write(
            f"GET /api/realtime HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if head.split()[1] != b"200":
            raise RuntimeError(f"realtime stream refused: {head[:200]!r}")
        self.task = asyncio.create_task(self._read(reader, b"chunked" in head.lower()))
        await asyncio.wait_for(self.connected.wait(), WAIT_SECONDS)

    async def _read(self, reader: asyncio.StreamReader, chunked: bool) -> None:
        buf = b""
        while True:
            if chunked:
                size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    return
                data = (await reader.readexactly(size + 2))[:-2]
            else:
                data = await reader.read(65536)
                if not data:
                    return
            now = time.perf_counter()
            buf += data
            while b"\n\n" in buf:
                event, buf = buf.split(b"\n\n", 1)
                self._event(event, now)

    def _event(self, raw: bytes, now: float) -> None:
        name, data = "", b""
        for line in raw.split(b"\n"):
            if line.startswith(b"event:"):
                name = line[6:].strip().decode()
            elif line.startswith(b"data:"):
                data = line[5:].strip()
        if name == "PB_CONNECT":
            self.client_id = json.loads(data)["clientId"]
            self.connected.set()
        elif name == "posts":
            self.fanout.arrived(json.loads(data)["record"]["id"], now)

    async def close(self) -> None:
        if self.task:
            self.task.cancel()
        if self.writer:
            self.writer.close()


class WsSubscriber:
    """Bastion's WebSocket transport (/api/realtime/ws): token in the query, one subscribe message."""

    def __init__(self, fanout: Fanout) -> None:
        self.fanout = fanout
        self.ws: Any = None
        self.task: asyncio.Task[None] | None = None

    async def join(self, host: str, port: int, http: httpx.AsyncClient) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(f"ws://{host}:{port}/api/realtime/ws?token={self.fanout.token}")
        assert json.loads(await self.ws.recv())["type"] == "connect"
        await self.ws.send(json.dumps({"type": "subscribe", "subscriptions": ["posts"]}))
        reply = json.loads(await self.ws.recv())
        if reply["type"] != "ok":
            raise RuntimeError(f"subscribe refused: {reply}")
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            now = time.perf_counter()
            message = json.loads(raw)
            if message.get("topic") == "posts":
                self.fanout.arrived(message["record"]["id"], now)

    async def close(self) -> None:
        if self.task:
            self.task.cancel()
        if self.ws is not None:
            await self.ws.close()


class Fanout:
    def __init__(
        self, base: str, token: str, author: str, n: int, rss: Callable[[], float], transport: str = "sse"
    ) -> None:
        self.base, self.token, self.author, self.n, self.rss = base, token, author, n, rss
        self.transport = transport
        self.arrivals: dict[str, list[float]] = defaultdict(list)
        self.complete: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def arrived(self, record_id: str, now: float) -> None:
        times = self.arrivals[record_id]
        times.append(now)
        if len(times) == self.n:
            self.complete[record_id].set()

    async def run(self, writes: int) -> dict[str, float]:
        raise_open_files()
        url = urlsplit(self.base)
        rss_before = self.rss()
        kind = WsSubscriber if self.transport == "ws" else Subscriber
        subs = [kind(self) for _ in range(self.n)]
        gate = asyncio.Semaphore(SUBSCRIBE_CONCURRENCY)
        headers = {"Authorization": self.token}
        limits = httpx.Limits(max_connections=SUBSCRIBE_CONCURRENCY)
        async with httpx.AsyncClient(base_url=self.base, headers=headers, timeout=60, limits=limits) as http:

            async def join(s: Subscriber | WsSubscriber) -> None:
                async with gate:
                    await s.join(url.hostname or "127.0.0.1", url.port or 80, http)

            try:
                joins = [asyncio.ensure_future(join(s)) for s in subs]
                done, late = await asyncio.wait(joins, timeout=JOIN_SECONDS)
                for task in late:
                    task.cancel()
                refused = len(late) + sum(1 for t in done if t.exception() is not None)
                self.n -= refused  # completion counts only the streams that are there
                rss_open = self.rss()  # all streams open and idle
                all_ms, each_ms, missed = [], [], 0
                for i in range(writes):
                    t0 = time.perf_counter()
                    body = {
                        "title": f"fanout {i}",
                        "views": i,
                        "published": True,
                        "status": "live",
                        "author": self.author,
                    }
                    r = await http.post("/api/collections/posts/records", json=body)
                    r.raise_for_status()
                    rid = r.json()["id"]
                    try:
                        await asyncio.wait_for(self.complete[rid].wait(), WAIT_SECONDS)
                    except TimeoutError:
                        missed += self.n - len(self.arrivals[rid])
                    times = self.arrivals[rid]
                    if times:
                        all_ms.append((max(times) - t0) * 1000)
                        each_ms += [(t - t0) * 1000 for t in times]
                    await asyncio.sleep(0.1)
            finally:
                await asyncio.gather(*(s.close() for s in subs), return_exceptions=True)
        connected = self.n
        return {
            "subscribers": connected + refused,
            "connected": connected,
            "refused": refused,
            "writes": writes,
            "p50_ms": _pct(all_ms, 50),
            "p99_ms": _pct(all_ms, 99),
            "delivery_p50_ms": _pct(each_ms, 50),
            "delivery_p99_ms": _pct(each_ms, 99),
            "missed": missed,
            "rss_idle_mb": rss_before,
            "rss_mb": rss_open,
            "kb_per_stream": (rss_open - rss_before) * 1024 / connected if connected else float("nan"),
        }


def _pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def fanout(
    base: str, token: str, author: str, n: int, writes: int, rss: Callable[[], float], transport: str = "sse"
) -> dict[str, float]:
    return asyncio.run(Fanout(base, token, author, n, rss, transport).run(writes))
