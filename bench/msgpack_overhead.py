"""A 20-record list answered as JSON and as MessagePack, in-process (no HTTP server, no client).

Calls the full ASGI stack on a SQLite app for `GET /api/collections/pub/records` (20 records), in
shuffled rounds, and prints each side's median and best time per request:

1. JSON (no Accept header, as every PocketBase client asks) with the negotiation layer
   (bastion/http/media_negotiation.py) and without it (the dispatcher's targets stripped of it, as
   before MessagePack): what the layer costs the JSON answers;
2. `Accept: application/msgpack` (the handler's JSON decoded and encoded again as MessagePack)
   against JSON, and the size of each body.

Rough by nature: rerun on a quiet machine before reading much into a few microseconds.

    .venv/bin/python bench/msgpack_overhead.py [--rounds 10] [--requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from inprocess_asgi import find_layer, http_scope, on_off_rounds, receive, twenty_record_app

from bastion.api.asgi import create_asgi_app
from bastion.api.dispatch import RouteDispatcher
from bastion.http.media_negotiation import MediaNegotiation

PATH = "/api/collections/pub/records"


async def main(rounds: int, requests: int) -> None:
    app = await twenty_record_app()
    try:
        asgi = create_asgi_app(app, manage_lifecycle=False)
        plain = create_asgi_app(app, manage_lifecycle=False)
        for targets in find_layer(plain, RouteDispatcher)._by_method.values():
            for target in targets:  # as before MessagePack: no negotiation layer on any route
                if isinstance(target.layers, MediaNegotiation):
                    inner = target.layers.app
                    target.layers = None if type(inner).__name__ == "_HandlerApp" else inner
        sizes: dict[bool, int] = {}

        async def run_json(path: str, layer: bool) -> float:
            scope = http_scope(path)
            app_under_test = asgi if layer else plain

            async def send(message: dict[str, Any]) -> None:
                pass

            start = time.perf_counter()
            for _ in range(requests):
                await app_under_test(dict(scope), receive, send)
            return (time.perf_counter() - start) / requests * 1e6

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

        await on_off_rounds({"list 20": PATH}, rounds, run_json, "the layer (JSON)")
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
