"""What request logging costs a hot endpoint, measured in-process (no HTTP server, no client).

Calls the full ASGI stack for `GET /api/health` on a SQLite app, alternating rounds with request
logging on (`logs.maxDays` 5) and off (0), and prints the median time per request of each; then
times the logging work alone (the middleware's facts and the sink) and a flush of the buffered
rows. Rough by nature: rerun on a quiet machine before reading much into a few microseconds.

    .venv/bin/python bench/request_log_overhead.py [--rounds 10] [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec

from bastion.api.asgi import create_asgi_app
from bastion.app import App
from bastion.config import Config
from bastion.http.request_log import RequestLogMiddleware

SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/api/health",
    "raw_path": b"/api/health",
    "query_string": b"",
    "headers": [(b"host", b"bench"), (b"user-agent", b"bench")],
    "client": ("127.0.0.1", 50000),
    "server": ("bench", 80),
}


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: dict[str, Any]) -> None:
    pass


def _set_max_days(app: App, days: int) -> None:
    """Swap in settings with logs.maxDays changed (settings are replaced whole, never mutated)."""
    logs = msgspec.structs.replace(app.settings.logs, max_days=days)
    app.settings = msgspec.structs.replace(app.settings, logs=logs)


async def main(rounds: int, requests: int) -> None:
    app = await App(Config(data_dir=Path(tempfile.mkdtemp()))).start()
    asgi = create_asgi_app(app, manage_lifecycle=False)
    logs = app.request_logs
    assert logs is not None
    per_request: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(rounds):
        for mode in ("on", "off"):
            _set_max_days(app, 5 if mode == "on" else 0)
            started = time.perf_counter()
            for _ in range(requests):
                await asgi({**SCOPE, "state": {}}, _receive, _send)
            per_request[mode].append((time.perf_counter() - started) / requests * 1e6)
            await logs.writer.flush()
    for mode, values in per_request.items():
        print(f"health, logging {mode:3}: median {statistics.median(values):6.1f} µs/request")

    _set_max_days(app, 5)
    await logs.writer.stop()
    logs.writer.max_pending = 10**9
    scope = {**SCOPE, "state": {"bastion_auth": None, "client_ip": "127.0.0.1", "peer_ip": "127.0.0.1"}}
    started = time.perf_counter()
    for _ in range(requests * 10):
        facts = RequestLogMiddleware._facts(scope, scope["state"], 200, time.perf_counter_ns())
        await logs.record(facts, scope)
    sink = (time.perf_counter() - started) / (requests * 10) * 1e6
    started = time.perf_counter()
    written = await logs.writer.flush()
    flush = (time.perf_counter() - started) / max(written, 1) * 1e6
    print(f"logging work per request (request path): {sink:.1f} µs; flush: {flush:.1f} µs/row off the path")
    await app.stop()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--requests", type=int, default=3000)
    args = ap.parse_args()
    asyncio.run(main(args.rounds, args.requests))
