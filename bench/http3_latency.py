"""A record view over HTTP/3 against HTTP/2 and HTTP/1.1 over TLS, from one served `bastion serve`.

One `bastion serve --workers 1 --dev --https P --http3 P` (granian on TCP, hypercorn's HTTP/3
process on UDP, the same port number), a public collection with one record, and in this process:
- HTTP/3: aioquic's client (tests/support/http3_client.py) on one QUIC connection;
- HTTP/2: httpx 0.28 with h2 on one TLS connection;
- HTTP/1.1: httpx on one keep-alive TLS connection;
each asking `GET /api/collections/pub/records/{id}` one request at a time (µs per request,
median and best of shuffled rounds), then 16 requests in flight at once on the one connection
(HTTP/3 and HTTP/2 multiplex; requests per second).

The clients differ (aioquic's H3 layer against httpx's), and so do the servers (hypercorn against
granian): the figures are what a Python client sees of each listener, not the protocols alone.
Rough by nature on a shared machine: compare the ratios of one run.

    .venv/bin/python bench/http3_latency.py [--rounds 7] [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

PATH = "/api/collections/pub/records"
IN_FLIGHT = 16


async def timed(requests: int, one: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    for _ in range(requests):
        await one()
    return (time.perf_counter() - start) / requests * 1e6


async def rate(requests: int, one: Callable[[], Awaitable[object]]) -> float:
    """Requests per second with IN_FLIGHT requests always outstanding."""
    left = requests

    async def lane() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await one()

    start = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(IN_FLIGHT)))
    return requests / (time.perf_counter() - start)


async def measure(port: int, cert: Path, record_id: str, rounds: int, requests: int) -> None:
    from tests.support.http3_client import http3_client

    verify = ssl.create_default_context(cafile=str(cert))
    base = f"https://localhost:{port}"
    url = f"{PATH}/{record_id}"
    async with (
        http3_client("127.0.0.1", port, cert) as h3,
        httpx.AsyncClient(base_url=base, http2=True, verify=verify) as h2,
        httpx.AsyncClient(base_url=base, verify=verify) as h1,
    ):

        async def over_h3() -> None:
            assert (await h3.request("GET", url)).status == 200

        async def over_h2() -> None:
            (await h2.get(url)).raise_for_status()

        async def over_h1() -> None:
            (await h1.get(url)).raise_for_status()

        ones = {"HTTP/3 (aioquic → hypercorn)": over_h3, "HTTP/2 (httpx → granian)": over_h2}
        ones["HTTP/1.1 over TLS (httpx → granian)"] = over_h1
        latency: dict[str, list[float]] = {name: [] for name in ones}
        throughput: dict[str, list[float]] = {name: [] for name in list(ones)[:2]}
        for one in ones.values():  # warm up: connections, caches
            await timed(50, one)
        for _ in range(rounds):
            order = list(ones.items())
            random.shuffle(order)
            for name, one in order:
                latency[name].append(await timed(requests, one))
                if name in throughput:
                    throughput[name].append(await rate(requests, one))
    print(f"one request at a time ({rounds} rounds of {requests}), µs per request (median / best):")
    for name, samples in latency.items():
        print(f"  {name:<40} {statistics.median(samples):9.1f} / {min(samples):9.1f}")
    print(f"{IN_FLIGHT} in flight on one connection, requests per second (median / best):")
    for name, samples in throughput.items():
        print(f"  {name:<40} {statistics.median(samples):9.0f} / {max(samples):9.0f}")


def main(rounds: int, requests: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support's helpers
    from tests.support.serve_process import BASTION, ServeProcess, free_port, stop_serve, wait_until_healthy

    data = Path(tempfile.mkdtemp()) / "data"
    port = free_port()
    address = f"127.0.0.1:{port}"
    email, password = "bench@example.com", "benchpass1234"
    subprocess.run([BASTION, "superuser", "upsert", email, password, "--dir", str(data)], check=True)
    proc = ServeProcess(
        [BASTION, "serve", "--dir", str(data), "--dev", "--https", address, "--http", "off"]
        + ["--http3", address, "--workers", "1", "--log-access", "off"]
    )
    cert = data / "tls" / "dev-cert.pem"
    try:
        deadline = time.monotonic() + 30
        while not cert.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        base = f"https://localhost:{port}"
        verify = ssl.create_default_context(cafile=str(cert))
        if not wait_until_healthy(base, proc, 30, verify=verify):
            raise SystemExit(f"bastion serve did not start:\n{proc.stderr_so_far()[-2000:]}")
        with httpx.Client(base_url=base, verify=verify) as http:
            r = http.post(
                "/api/collections/_superusers/auth-with-password",
                json={"identity": email, "password": password},
            )
            auth = {"Authorization": r.json()["token"]}
            schema = {
                "name": "pub",
                "listRule": "",
                "viewRule": "",
                "fields": [{"name": "title", "type": "text"}],
            }
            http.post("/api/collections", json=schema, headers=auth).raise_for_status()
            r = http.post(PATH, json={"title": "a record ✓"}, headers=auth)
            record_id = r.json()["id"]
        time.sleep(3)  # the HTTP/3 process starts beside the worker
        asyncio.run(measure(port, cert, record_id, rounds, requests))
    finally:
        stop_serve(proc)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    main(args.rounds, args.requests)
