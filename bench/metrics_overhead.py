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
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from inprocess_asgi import find_layer, http_scope, on_off_rounds, public_record, receive  # noqa: E402

from bastion.api.asgi import create_asgi_app  # noqa: E402
from bastion.api.metrics import RequestMetrics  # noqa: E402
from bastion.app import App  # noqa: E402
from bastion.config import Config  # noqa: E402
from bastion.http.edge import EdgeMiddleware  # noqa: E402
from bastion.obs import metrics  # noqa: E402


async def main(rounds: int, requests: int) -> None:
    app = await App(Config(data_dir=Path(tempfile.mkdtemp()))).start()
    flushing = asyncio.create_task(metrics.flush_forever())
    try:
        record_id = await public_record(app)
        asgi = create_asgi_app(app, manage_lifecycle=False)
        edge = find_layer(asgi, EdgeMiddleware)
        paths = {"health": "/api/health", "view": f"/api/collections/pub/records/{record_id}"}

        async def send(message: dict[str, Any]) -> None:
            pass

        async def run(path: str, observed: bool) -> float:
            edge.observer = RequestMetrics() if observed else None
            start = time.perf_counter()
            for _ in range(requests):
                await asgi(http_scope(path), receive, send)
            return (time.perf_counter() - start) / requests * 1e6

        await on_off_rounds(paths, rounds, run, "metrics")
    finally:
        flushing.cancel()
        await app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.requests))
