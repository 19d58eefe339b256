"""GET /metrics on a real `bastion serve --workers 2`: one scrape, answered by either worker, counts
the requests both workers answered (prometheus-client's multiprocess mode, obs/metrics.py).

Which worker answers a connection is the kernel's choice; a realtime stream's client id begins with
the id of the process holding it (realtime/client_state.py), so streams opened on new connections
until two ids differ are two requests known to be answered by different workers."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.serve_process import serving
from tests.support.sse_stream import SseStream

T = TypeVar("T")
TOKEN = "scrape-secret"
STREAM = {"route": "/api/realtime", "method": "GET", "status": "200"}


def scrape(base: str) -> dict[str, float]:
    """`name{labels}` → value, from a scrape on a new connection (either worker may answer)."""
    r = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    return {
        s.name + repr(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def key(name: str, **labels: str) -> str:
    return name + repr(sorted(labels.items()))


def test_a_scrape_on_either_worker_counts_both_workers_requests(tmp_path: Path) -> None:
    env = {"BASTION_METRICS_TOKEN": TOKEN}
    with serving(tmp_path / "data", args=("--workers", "2"), env=env) as (proc, base):
        streams: list[SseStream] = []
        try:
            for _ in range(40):  # bounded; each new connection has an even chance of either worker
                streams.append(SseStream(base))
                if len({s.client_id[:8] for s in streams}) == 2:
                    break
            owners = {s.client_id[:8] for s in streams}
            assert len(owners) == 2, "the kernel gave every connection to one worker"
            # the open streams are live on both workers: the gauge is the sum over the live workers
            clients = key("bastion_realtime_clients", transport="stream")
            until(lambda: scrape(base).get(clients) == len(streams), "both workers' clients")
        finally:
            for stream in streams:
                stream.close()

        # each closed stream is one answered request, counted by the worker that held it
        answered = key("bastion_http_requests_total", **STREAM)
        samples = until(lambda: _settled(base, answered, len(streams)), "both workers' requests")
        assert samples[answered] == len(streams)
        assert samples[key("bastion_realtime_clients", transport="stream")] == 0
        pids = {k for k in samples if k.startswith("bastion_process_resident_memory_bytes")}
        assert len(pids) == 2, pids  # one per live worker
        assert samples[key("bastion_process_cpu_seconds_total")] > 0


def _settled(base: str, answered: str, count: int) -> dict[str, float] | None:
    samples = scrape(base)
    return samples if samples.get(answered) == count else None


def until(check: Callable[[], T | None], what: str, timeout: float = 20.0) -> T:
    """`check()`'s first truthy answer, polled (each worker flushes its counts every second)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.1)
