"""What routing costs, measured in-process (no HTTP server, no client).

Calls the full ASGI stack on a SQLite app for four requests, in alternating rounds, and prints the
median time per request of each: `GET /api/health` (the first route), a record view (a route near
the middle of the table, with ETags), a record list, and a path no route takes (every route
tried, then Starlette's 404). Rough by nature: rerun on a quiet machine before reading much into a
few microseconds.

    .venv/bin/python bench/dispatch_overhead.py [--rounds 10] [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from inprocess_asgi import http_scope, public_record, receive

from bastion.api.asgi import create_asgi_app
from bastion.app import App
from bastion.config import Config


async def main(rounds: int, requests: int) -> None:
    app = await App(Config(data_dir=Path(tempfile.mkdtemp()))).start()
    try:
        record_id = await public_record(app)  # routing alone: nothing logged
        asgi = create_asgi_app(app, manage_lifecycle=False)
        paths = {
            "health": "/api/health",
            "view": f"/api/collections/pub/records/{record_id}",
            "list": "/api/collections/pub/records",
            "no route": "/api/nothing/here",
        }
        statuses: dict[str, int] = {}

        async def run(name: str, path: str) -> float:
            async def send(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    statuses[name] = message["status"]

            start = time.perf_counter()
            for _ in range(requests):
                await asgi(http_scope(path), receive, send)
            return (time.perf_counter() - start) / requests * 1e6

        samples: dict[str, list[float]] = {name: [] for name in paths}
        for name, path in paths.items():
            await run(name, path)  # warm-up: caches, memos
        for _ in range(rounds):
            for name, path in paths.items():
                samples[name].append(await run(name, path))
        for name, values in samples.items():
            print(f"{name:9} {statuses[name]}  median {statistics.median(values):7.1f} µs/request")
    finally:
        await app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.requests))
