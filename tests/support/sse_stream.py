"""A realtime client as a browser runs it: one SSE stream (`GET /api/realtime`), its subscriptions
set by separate `POST /api/realtime` requests, which a load balancer may send anywhere.

The stream is read from a plain socket in a thread, so that `close()` can end it at once
(shutting the socket down wakes the blocked read; an HTTP client's close from another thread
does not)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

WAIT = 8.0  # a safety bound on waits; the tests wait for events, never for time


class SseStream:
    """An open stream read in a thread: `client_id` from PB_CONNECT, then `events` as
    (name, data) in arrival order."""

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self.base_url = base_url
        self.client_id = ""
        self.events: list[tuple[str, Any]] = []
        self.error: BaseException | None = None
        self.ended = threading.Event()  # set when the server (or close()) ends the stream
        self._changed = threading.Condition()
        self._sock = socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=WAIT)
        self._sock.sendall(
            f"GET /api/realtime HTTP/1.1\r\nHost: {url.netloc}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        self._sock.settimeout(None)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        with self._changed:
            self._changed.wait_for(lambda: self.client_id or self.error, timeout=WAIT)
        if not self.client_id:
            self.close()
            raise AssertionError(f"no PB_CONNECT from {base_url}: {self.error!r}")

    def _read(self) -> None:
        try:
            with self._sock.makefile("rb") as f:
                head = []
                while (line := f.readline()) not in (b"\r\n", b""):
                    head.append(line.decode("latin-1").strip().lower())
                if not head or head[0].split()[1] != "200":
                    raise RuntimeError(f"the stream was refused: {head[:1]}")
                chunked = "transfer-encoding: chunked" in head
                buf = b""
                while True:
                    if chunked:
                        size = int(f.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            return
                        data = f.read(size + 2)[:-2]
                    else:
                        data = f.read1(65536)
                        if not data:
                            return
                    buf += data.replace(b"\r\n", b"\n")
                    while b"\n\n" in buf:
                        raw, buf = buf.split(b"\n\n", 1)
                        self._event(raw)
        except Exception as exc:  # the stream ends when the test closes it, or fails
            with self._changed:
                self.error = exc
                self._changed.notify_all()
        finally:
            self.ended.set()

    def _event(self, raw: bytes) -> None:
        name, data = "", b""
        for line in raw.split(b"\n"):
            if line.startswith(b"event:"):
                name = line[6:].strip().decode()
            elif line.startswith(b"data:"):
                data = line[5:].strip()
        if not data:
            return
        with self._changed:
            if name == "PB_CONNECT":
                self.client_id = json.loads(data)["clientId"]
            else:
                self.events.append((name, json.loads(data)))
            self._changed.notify_all()

    def subscribe(self, client: httpx.Client, *topics: str) -> httpx.Response:
        """Set this stream's subscriptions through `client` (which may reach another process)."""
        return client.post("/api/realtime", json={"clientId": self.client_id, "subscriptions": list(topics)})

    def wait_for(self, count: int, deadline: float | None = None) -> list[tuple[str, Any]]:
        """The events once there are `count` of them, or what arrived by `deadline` (a
        time.monotonic() value; WAIT from now by default)."""
        end = time.monotonic() + WAIT if deadline is None else deadline
        with self._changed:
            self._changed.wait_for(
                lambda: len(self.events) >= count, timeout=max(0.0, end - time.monotonic())
            )
            return list(self.events)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        self._sock.close()


def wait_all(
    streams: list[SseStream], count: int, skip: list[bool] | None = None
) -> list[list[tuple[str, Any]]]:
    """Each stream's events once it has `count`, all within one WAIT; a stream whose `skip` is
    True (its subscription was refused, so nothing can come) is not waited for."""
    deadline = time.monotonic() + WAIT
    return [
        list(s.events) if skip and skip[i] else s.wait_for(count, deadline) for i, s in enumerate(streams)
    ]
