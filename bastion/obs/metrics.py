"""Bastion's Prometheus metrics: their definitions, the flush from the tally, the exposition.

`bastion serve` runs several worker processes; it points `PROMETHEUS_MULTIPROC_DIR` at a fresh
directory before they start (obs/metrics_dir.py), so prometheus-client keeps every sample in a
memory-mapped file per process there and a scrape answered by any worker reads them all: the
counters and histograms are the node's sums, the gauges say per metric how the processes
combine (`multiprocess_mode`). Without that variable (one process, the tests) the values live in
this process and `prometheus_client.REGISTRY` (with its own process and GC collectors) is exposed.

The busy events (requests, database statements, realtime deliveries) are counted in
obs/metric_tally.py and moved here by `flush()`: every second (`flush_forever`, started by each
worker) and before a scrape. Rare events (a job's attempt, a webhook delivery, a 429) go straight
to prometheus-client, a few microseconds each. docs/operations.md lists every metric.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from bastion.obs.metric_tally import DB_BUCKETS, REQUEST_BUCKETS, TALLY, PoolStats

log = logging.getLogger("bastion.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
FLUSH_INTERVAL = 1.0  # seconds: how stale another worker's request counts may be in a scrape

REQUESTS = Counter(
    "bastion_http_requests",
    "HTTP requests answered, by route template (unmatched: no route took it), method and status.",
    ["route", "method", "status"],
)
REQUEST_DURATION = Histogram(
    "bastion_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer (a realtime stream: its whole life).",
    ["route", "method"],
    buckets=REQUEST_BUCKETS,
)
IN_FLIGHT = Gauge(
    "bastion_http_requests_in_flight",
    "Requests being answered now, open realtime streams included.",
    multiprocess_mode="livesum",
)
DB_POOL = Gauge(
    "bastion_db_pool_connections",
    "PostgreSQL connections of the workers' pools: in_use, idle, and callers waiting for one.",
    ["state"],
    multiprocess_mode="livesum",
)
DB_STATEMENTS = Histogram(
    "bastion_db_statement_duration_seconds",
    "Time of one database statement, as the store measures it.",
    buckets=DB_BUCKETS,
)
REALTIME_CLIENTS = Gauge(
    "bastion_realtime_clients",
    "Realtime clients connected (stream: SSE or WebSocket; poll: long polling).",
    ["transport"],
    multiprocess_mode="livesum",
)
REALTIME_DELIVERED = Counter(
    "bastion_realtime_events_delivered", "Record events queued to realtime subscribers."
)
JOB_ATTEMPTS = Counter(
    "bastion_job_attempts",
    "Background job attempts by kind and outcome (done, retry: failed and queued again, dead).",
    ["kind", "outcome"],
)
WEBHOOK_DELIVERIES = Counter(
    "bastion_webhook_deliveries",
    "Webhook delivery attempts by outcome (delivered, retry, dead).",
    ["outcome"],
)
RATELIMIT_REJECTIONS = Counter(
    "bastion_ratelimit_rejections",
    "Requests refused with 429 (rate_limit: a rateLimits rule; login_lockout: repeated failed logins).",
    ["reason"],
)
CPU_SECONDS = Counter(
    "bastion_process_cpu_seconds", "CPU time (user and system) of the node's worker processes."
)


class _Process:
    cpu = 0.0  # this process's CPU seconds at the last flush
    # Made at this process's first flush: a metric without labels has a value (a file) from its
    # definition on, and the server's main process, which only prepares the database, would be
    # listed with 0 beside its workers.
    resident: Gauge | None = None


class PoolSource(Protocol):
    def pool_stats(self) -> PoolStats | None: ...


class _Sources:
    pool: PoolSource | None = None  # the App's database, set by the ASGI app's start


def watch_pool(source: PoolSource | None) -> None:
    """Sample `source`'s connection pool at every flush (None: stop)."""
    _Sources.pool = source


def flush() -> None:
    """Move this process's tally into prometheus-client's values (and refresh its process stats)."""
    _pool_stats()
    taken = TALLY.take()
    for (route, method, status), row in taken.requests.items():
        REQUESTS.labels(route, method, str(status)).inc(row[0])
        _add_observations(REQUEST_DURATION.labels(route, method), row[1], row[2:])
    if taken.db[0]:
        _add_observations(DB_STATEMENTS, taken.db[1], taken.db_buckets)
    if taken.realtime_delivered:
        REALTIME_DELIVERED.inc(taken.realtime_delivered)
    IN_FLIGHT.set(TALLY.in_flight)
    _process_stats()


def _pool_stats() -> None:
    source = _Sources.pool
    stats = source.pool_stats() if source is not None else None
    if stats is not None:
        DB_POOL.labels("in_use").set(stats.open - stats.idle)
        DB_POOL.labels("idle").set(stats.idle)
        DB_POOL.labels("waiting").set(stats.waiting)


def _add_observations(histogram: Histogram, total: float, buckets: Iterable[float]) -> None:
    """Many observations at once: what `observe` does per value (the sum, then the one bucket the
    value falls in; prometheus-client keeps buckets uncumulated), per bucket instead."""
    histogram._sum.inc(total)
    for value, count in zip(histogram._buckets, buckets, strict=True):
        if count:
            value.inc(count)


def _process_stats() -> None:
    times = os.times()
    cpu = times.user + times.system
    if cpu > _Process.cpu:
        CPU_SECONDS.inc(cpu - _Process.cpu)
        _Process.cpu = cpu
    with contextlib.suppress(OSError, ValueError, IndexError):  # not Linux: no /proc
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        if _Process.resident is None:
            _Process.resident = Gauge(
                "bastion_process_resident_memory_bytes",
                "Resident memory of each live worker process (pid label).",
                multiprocess_mode="liveall",
            )
        _Process.resident.set(pages * os.sysconf("SC_PAGE_SIZE"))


async def flush_forever(interval: float = FLUSH_INTERVAL) -> None:
    """Each worker's flush, so that a scrape on another worker sees its counts within `interval`."""
    while True:
        await asyncio.sleep(interval)
        try:
            flush()
        except Exception:  # a full disk must not end the loop: the next flush tries again
            log.warning("metrics flush failed", exc_info=True)


def process_exiting() -> None:
    """A worker's last flush; its live gauges leave the node's sums."""
    flush()
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]  # the library leaves it unannotated


class _Families:
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


def exposition(accept: str | None, extra: Iterable[Metric] = ()) -> tuple[bytes, str]:
    """The body and content type of a scrape: Prometheus text, or OpenMetrics when `accept` asks.

    With several workers the node's values come from every process's files; the live gauges of a
    worker that died without saying so (killed) are dropped here first."""
    flush()
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        _bury_dead_processes(path)
        collector = MultiProcessCollector(None, path=path)  # type: ignore[no-untyped-call]  # unannotated
        families = list(collector.collect())  # type: ignore[no-untyped-call]  # unannotated
    else:
        families = list(REGISTRY.collect())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families([*families, *extra]))
    encode, content_type = choose_encoder(accept or "")
    return encode(registry), content_type


def _bury_dead_processes(path: str) -> None:
    for pid in set(_live_gauge_pids(path)):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            mark_process_dead(pid, path)  # type: ignore[no-untyped-call]  # the library leaves it unannotated
        except OSError:  # alive, someone else's (EPERM)
            pass


def _live_gauge_pids(path: str) -> Iterator[int]:
    with contextlib.suppress(OSError):
        for entry in os.scandir(path):
            if entry.name.startswith("gauge_live") and entry.name.endswith(".db"):
                pid = entry.name[: -len(".db")].rpartition("_")[2]
                if pid.isdigit():
                    yield int(pid)
