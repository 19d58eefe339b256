"""JSON, MessagePack and Protocol Buffers answers of a 20-record list; a gRPC Get against a REST view.

1. In-process (no HTTP server, no client): the full ASGI stack on a SQLite app answers
   `GET /api/collections/pub/records` (20 records) with no Accept header (JSON), with
   `Accept: application/msgpack` and with `Accept: application/x-protobuf`, in shuffled rounds;
   each side's median and best µs per request, and the body sizes.
2. Served (`--served`): one `bastion serve --workers 1 --grpc …` process, and in this process a
   keep-alive httpx client asking `GET /api/collections/pub/records/{id}` and a grpcio client
   calling `bastion.v1.Records/Get` for the same record, one request at a time, in shuffled
   rounds: µs per request as a Python client sees it (client time included, both sides).

Rough by nature on a shared machine: compare the ratios of one run, not figures across runs.

    .venv/bin/python bench/protobuf_overhead.py [--rounds 10] [--requests 1000] [--served]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from inprocess_asgi import http_scope, receive, twenty_record_app

from bastion.api.asgi import create_asgi_app

PATH = "/api/collections/pub/records"
ACCEPT = {"JSON": b"", "MessagePack": b"application/msgpack", "protobuf": b"application/x-protobuf"}
BASTION = str(Path(sys.executable).with_name("bastion"))


def report(samples: dict[str, list[float]], unit: str = "µs/request") -> None:
    base = min(next(iter(samples.values())))
    for name, values in samples.items():
        best = min(values)
        print(
            f"  {name:12} {unit}: median {statistics.median(values):7.1f}, best {best:7.1f} "
            f"(best / first's best: {best / base:4.2f})"
        )


async def shuffled(runs: dict[str, Any], rounds: int) -> dict[str, list[float]]:
    """Each `runs` entry (an async callable answering µs per request) in `rounds` shuffled rounds."""
    for run in runs.values():
        await run()  # warm-up
    samples: dict[str, list[float]] = {name: [] for name in runs}
    order = list(runs)
    for _ in range(rounds):
        random.shuffle(order)
        for name in order:
            samples[name].append(await runs[name]())
    return samples


async def inprocess(rounds: int, requests: int) -> None:
    app = await twenty_record_app()
    try:
        asgi = create_asgi_app(app, manage_lifecycle=False)
        sizes: dict[str, int] = {}

        def runner(name: str, accept: bytes) -> Any:
            scope = http_scope(PATH)
            if accept:
                scope["headers"] = [*scope["headers"], (b"accept", accept)]

            async def send(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.body":
                    sizes[name] = len(message.get("body", b""))

            async def run() -> float:
                start = time.perf_counter()
                for _ in range(requests):
                    await asgi(dict(scope), receive, send)
                return (time.perf_counter() - start) / requests * 1e6

            return run

        samples = await shuffled({name: runner(name, accept) for name, accept in ACCEPT.items()}, rounds)
        print(f"in-process, list of 20 records ({rounds} rounds of {requests}):")
        report(samples)
        print("  body bytes: " + ", ".join(f"{name} {size}" for name, size in sizes.items()))
    finally:
        await app.stop()


async def served(rounds: int, requests: int) -> None:
    import grpc

    from bastion.api.grpc_messages import CLASSES, SERVICE
    from tests.support.serve_process import free_port, serving

    data = Path(tempfile.mkdtemp()) / "data"
    address = f"127.0.0.1:{free_port()}"
    email, password = "bench@example.com", "benchpass1234"
    with serving(data, args=("--workers", "1", "--grpc", address), env={"BASTION_LOG_ACCESS": "off"}) as (
        _,
        base,
    ):
        subprocess.run([BASTION, "superuser", "upsert", email, password, "--dir", str(data)], check=True)
        async with httpx.AsyncClient(base_url=base) as http:
            r = await http.post(
                "/api/collections/_superusers/auth-with-password",
                json={"identity": email, "password": password},
            )
            token = r.json()["token"]
            schema = {
                "name": "pub",
                "listRule": "",
                "viewRule": "",
                "fields": [{"name": "title", "type": "text"}],
            }
            r = await http.post("/api/collections", json=schema, headers={"Authorization": token})
            r.raise_for_status()
            r = await http.post(f"{PATH}", json={"title": "a record ✓"}, headers={"Authorization": token})
            record_id = r.json()["id"]
            async with grpc.aio.insecure_channel(address) as channel:
                get = channel.unary_unary(
                    f"/{SERVICE}/Get",
                    request_serializer=lambda m: m.SerializeToString(),
                    response_deserializer=CLASSES["RecordReply"].FromString,
                )
                request = CLASSES["GetRequest"](collection="pub", id=record_id)

                async def rest() -> float:
                    start = time.perf_counter()
                    for _ in range(requests):
                        (await http.get(f"{PATH}/{record_id}")).raise_for_status()
                    return (time.perf_counter() - start) / requests * 1e6

                async def unary() -> float:
                    start = time.perf_counter()
                    for _ in range(requests):
                        await get(request)
                    return (time.perf_counter() - start) / requests * 1e6

                samples = await shuffled({"REST view": rest, "gRPC Get": unary}, rounds)
    print(f"served (bastion serve --workers 1, one request at a time; {rounds} rounds of {requests}):")
    report(samples)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--served", action="store_true", help="also the gRPC Get against REST view part")
    args = parser.parse_args()
    asyncio.run(inprocess(args.rounds, args.requests))
    if args.served:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support's server helpers
        asyncio.run(served(args.rounds, args.requests // 2))
