"""A 20-record list answered as JSON and as MessagePack, in-process (no HTTP server, no client).

Calls the full ASGI stack on a SQLite app for `GET /api/collections/pub/records` (20 records),
without an Accept header (JSON, as every PocketBase client asks) and with `Accept:
application/msgpack` (the JSON the handler writes, decoded and encoded again as MessagePack by
bastion/http/media_negotiation.py), in shuffled rounds, and prints each side's median and best
time per request and the size of each body. Rough by nature: rerun on a quiet machine before
reading much into a few microseconds.

    .venv/bin/python bench/msgpack_overhead.py [--rounds 10] [--requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from inprocess_asgi import http_scope, on_off_rounds, public_record, receive

from bastion.api.asgi import create_asgi_app
from bastion.app import App
from bastion.config import Config
from bastion.core.record_access import Access

PATH = "/api/collections/pub/records"


async def main(rounds: int, requests: int) -> None:
    app = await App(Config(data_dir=Path(tempfile.mkdtemp()))).start()
    try:
        await public_record(app)
        collection = app.registry.find_collection("pub")
        assert collection is not None
        async with app.transaction() as tx:
            for i in range(19):
                await app.records.create(
                    tx, collection, {"title": f"record number {i} ✓"}, Access(method="POST")
                )
        asgi = create_asgi_app(app, manage_lifecycle=False)
        sizes: dict[bool, int] = {}

        async def run(path: str, msgpack: bool) -> float:
            scope = http_scope(path)
            if msgpack:
                scope["headers"] = [*scope["headers"], (b"accept", b"application/msgpack")]

            async def send(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.body":
                    sizes[msgpack] = len(message.get("body", b""))

            start = time.perf_counter()
            for _ in range(requests):
                await asgi(dict(scope), receive, send)
            return (time.perf_counter() - start) / requests * 1e6

        await on_off_rounds({"list 20": PATH}, rounds, run, "MessagePack")
        print(f"body bytes: JSON {sizes[False]}, MessagePack {sizes[True]}")
    finally:
        await app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.requests))
