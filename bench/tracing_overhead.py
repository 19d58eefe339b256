"""What OpenTelemetry traces cost per request, measured in-process (no HTTP server, no client).

Calls the full ASGI stack on a SQLite app, in rounds (shuffled) with traces on (obs/tracing.py set
up by the OTEL_* variables, the real BatchSpanProcessor and OTLP/HTTP exporter sending to a local
receiver that answers 200) and off (the same process with `tracing.ACTIVE`, the edge layer's
tracer and the store's statement hook set back to None: what a server without OTEL_* variables
runs), and prints for each the time per request of the median and the best round, and the
difference of the bests, for `GET /api/health` (one span) and a public record view (the request
span and its statements' spans). Rough by nature: rerun on a quiet machine before reading much
into a microsecond.

    .venv/bin/python bench/tracing_overhead.py [--rounds 20] [--requests 2000]
"""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Collector(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


_SERVER = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
threading.Thread(target=_SERVER.serve_forever, daemon=True).start()
os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{_SERVER.server_address[1]}"

import argparse  # noqa: E402
import asyncio  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from inprocess_asgi import find_layer, http_scope, on_off_rounds, public_record, receive  # noqa: E402

from bastion.api.asgi import create_asgi_app  # noqa: E402
from bastion.app import App  # noqa: E402
from bastion.config import Config  # noqa: E402
from bastion.http.edge import EdgeMiddleware  # noqa: E402
from bastion.obs import segment_timing, tracing  # noqa: E402


async def main(rounds: int, requests: int) -> None:
    app = await App(Config(data_dir=Path(tempfile.mkdtemp()))).start()
    try:
        record_id = await public_record(app)
        asgi = create_asgi_app(app, manage_lifecycle=False)  # sets traces up: the variables ask
        edge = find_layer(asgi, EdgeMiddleware)
        active, tracer, statements = tracing.ACTIVE, edge.tracer, segment_timing.statement_spans
        assert active is not None and tracer is not None and statements is not None
        paths = {"health": "/api/health", "view": f"/api/collections/pub/records/{record_id}"}

        async def send(message: dict[str, Any]) -> None:
            pass

        async def run(path: str, observed: bool) -> float:
            tracing.ACTIVE = active if observed else None
            edge.tracer = tracer if observed else None
            segment_timing.statement_spans = statements if observed else None
            start = time.perf_counter()
            for _ in range(requests):
                await asgi(http_scope(path), receive, send)
            return (time.perf_counter() - start) / requests * 1e6

        await on_off_rounds(paths, rounds, run, "traces")
    finally:
        tracing.ACTIVE = active
        tracing.shutdown()
        await app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.requests))
