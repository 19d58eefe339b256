"""What the request metrics cost per request, measured in-process (no HTTP server, no client).

Calls the full ASGI stack on a SQLite app, in rounds (shuffled) with the edge layer's request
observer (api/metrics.py: the tally of obs/metric_tally.py) on and off, and prints for each the
time per request of the median and the best round, and the difference of the bests, for `GET
/api/health` and a record view. Runs in
prometheus-client's multiprocess mode (a temporary PROMETHEUS_MULTIPROC_DIR, as `bastion serve`
sets) with the once-a-second flush running, so the flush's share is included. Rough by nature:
rerun on a quiet machine before reading much into a microsecond.

    .venv/bin/python bench/metrics_overhead.py [--rounds 20] [--requests 3000]
"""

from __future__ import annotations

import os
import tempfile

# before anything imports prometheus-client, which reads it once (obs/metrics_dir.py); removed at exit
_METRICS_DIR = tempfile.TemporaryDirectory(prefix="bastion-bench-metrics-")
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", _METRICS_DIR.name)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import msgspec  # noqa: E402

from bastion.api.asgi import create_asgi_app  # noqa: E402
from bastion.api.metrics import RequestMetrics  # noqa: E402
from bastion.app import App  # noqa: E402
from bastion.config import Config  # noqa: E402
from bastion.core.record_access import Access  # noqa: E402
from bastion.http.edge import EdgeMiddleware  # noqa: E402
from bastion.obs import metrics  # noqa: E402


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"user-agent", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def _edge(asgi: Any) -> EdgeMiddleware:
    layer = asgi
    while not isinstance(layer, EdgeMiddleware):
        layer = layer.app
    return layer


async def main(rounds: int, requests: int) -> None:
    app = await App(Config(data_dir=Path(tempfile.mkdtemp()))).start()
    flushing = asyncio.create_task(metrics.flush_forever())
    try:
        schema = {
            "name": "pub",
            "listRule": "",
            "viewRule": "",
            "createRule": "",
            "fields": [{"name": "title", "type": "text"}],
        }
        async with app.transaction() as tx:
            collection = await app.collections.create(tx, schema)
        app.registry.put(collection)
        async with app.transaction() as tx:
            record = await app.records.create(tx, collection, {"title": "a"}, Access(method="POST"))
        # the request path alone: no access-log lines, no request-log rows
        logging.disable(logging.CRITICAL)
        app.settings = msgspec.structs.replace(
            app.settings, logs=msgspec.structs.replace(app.settings.logs, max_days=0)
        )
        asgi = create_asgi_app(app, manage_lifecycle=False)
        edge = _edge(asgi)
        paths = {"health": "/api/health", "view": f"/api/collections/pub/records/{record.id}"}

        async def send(message: dict[str, Any]) -> None:
            pass

        async def run(path: str, observed: bool) -> float:
            edge.observer = RequestMetrics() if observed else None
            start = time.perf_counter()
            for _ in range(requests):
                await asgi(_scope(path), _receive, send)
            return (time.perf_counter() - start) / requests * 1e6

        samples: dict[tuple[str, bool], list[float]] = {}
        for path in paths.values():
            await run(path, True)  # warm-up: caches, memos
        runs = [(name, observed) for name in paths for observed in (True, False)]
        for _ in range(rounds):
            random.shuffle(runs)  # a fixed order lets the machine's other load favour one side
            for name, observed in runs:
                samples.setdefault((name, observed), []).append(await run(paths[name], observed))
        for name in paths:
            on, off = samples[(name, True)], samples[(name, False)]
            print(
                f"{name:7} µs/request with metrics: median {statistics.median(on):6.1f}, best {min(on):6.1f}; "
                f"without: median {statistics.median(off):6.1f}, best {min(off):6.1f}; "
                f"difference of the bests {min(on) - min(off):+5.2f}"
            )
    finally:
        flushing.cancel()
        await app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.requests))
