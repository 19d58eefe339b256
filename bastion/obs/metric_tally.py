"""The hot-path half of the metrics: plain counters in this process, added to in nanoseconds.

prometheus-client's multiprocess mode writes every sample to a memory-mapped file under a lock:
a labelled counter increment costs ~4 µs and a histogram observation ~6.5 µs (measured on the
shared 2-core machine, `python -m timeit`), together ~14 µs per request with the in-flight gauge.
Requests, realtime deliveries and database statements therefore only add to the dicts and numbers
here (well under 1 µs); `bastion/obs/metrics.py` moves them into prometheus-client's values once
a second and before every scrape, at a cost per distinct label set, not per event.

No import of prometheus-client here: the store reports its statements through this module
(obs/segment_timing.py), and the command line must not pay for that library's import.

Everything runs on the worker's event loop; a statement timed on a helper thread (the SQLite log
writer) may, rarely, race a flush and lose that one sample, which a metric can afford.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import NamedTuple

# Upper bounds (seconds) of the request duration histogram: prometheus-client's defaults, which
# suit an API answering in milliseconds to seconds.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
# One database statement: most take tens to hundreds of microseconds.
DB_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)

UNMATCHED = "unmatched"
"""The route label of a request no route took (404s, CORS pre-flights)."""

_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))

RequestKey = tuple[str, str, int]  # route template, method, status


class PoolStats(NamedTuple):
    """A database connection pool's state (the store's `Database.pool_stats`)."""

    open: int  # connections open or being opened
    idle: int  # of those, waiting in the pool
    waiting: int  # callers waiting for one


class Tally:
    """What happened in this process since the last flush (and the gauges' current values)."""

    __slots__ = ("requests", "in_flight", "db", "db_buckets", "realtime_delivered")

    def __init__(self) -> None:
        # per (route, method, status): [count, sum of seconds, one count per duration bucket + Inf]
        self.requests: dict[RequestKey, list[float]] = {}
        self.in_flight = 0  # a gauge: never reset by a flush
        self.db = [0.0, 0.0]  # statements, seconds
        self.db_buckets = [0] * (len(DB_BUCKETS) + 1)
        self.realtime_delivered = 0

    def request_started(self) -> None:
        self.in_flight += 1

    def request_finished(self, route: str, method: str, status: int, seconds: float) -> None:
        self.in_flight -= 1
        if method not in _METHODS:
            method = "other"  # a client may send any token: keep the label's values bounded
        key = (route, method, status)
        row = self.requests.get(key)
        if row is None:
            row = self.requests[key] = [0.0] * (len(REQUEST_BUCKETS) + 3)
        row[0] += 1
        row[1] += seconds
        row[2 + bisect_left(REQUEST_BUCKETS, seconds)] += 1

    def statement(self, seconds: float) -> None:
        db = self.db
        db[0] += 1
        db[1] += seconds
        self.db_buckets[bisect_left(DB_BUCKETS, seconds)] += 1

    def take(self) -> Taken:
        """What was counted since the last take, the counters starting again from zero."""
        taken = Taken(self.requests, self.db, self.db_buckets, self.realtime_delivered)
        self.requests = {}
        self.db = [0.0, 0.0]
        self.db_buckets = [0] * (len(DB_BUCKETS) + 1)
        self.realtime_delivered = 0
        return taken


class Taken:
    __slots__ = ("requests", "db", "db_buckets", "realtime_delivered")

    def __init__(
        self, requests: dict[RequestKey, list[float]], db: list[float], db_buckets: list[int], delivered: int
    ) -> None:
        self.requests = requests
        self.db = db
        self.db_buckets = db_buckets
        self.realtime_delivered = delivered


TALLY = Tally()
"""This process's tally: the edge layer, the store and the realtime hub add to it."""
