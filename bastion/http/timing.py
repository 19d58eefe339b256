"""Server-Timing: how long the request took, split into the segments the app chose to measure.

The app records segments through `scope["state"]["timings"]` (`request.state.timings` in a
handler); the conventional names are `route`, `auth`, `db` and `encode`. The header is written
when the response starts, so `total` is the time to the first byte; for streamed responses the
access log's `duration_ms` has the full time.
"""

from __future__ import annotations

from time import perf_counter
from types import TracebackType

HEADER = b"server-timing"


class _Measure:
    __slots__ = ("_timings", "_name", "_start")

    def __init__(self, timings: Timings, name: str) -> None:
        self._timings = timings
        self._name = name
        self._start = 0.0

    def __enter__(self) -> _Measure:
        self._start = perf_counter()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._timings.add(self._name, perf_counter() - self._start)


class Timings:
    """Accumulates seconds per segment name; a name measured twice adds up."""

    __slots__ = ("start", "segments")

    def __init__(self, start: float | None = None) -> None:
        self.start = perf_counter() if start is None else start
        self.segments: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        self.segments[name] = self.segments.get(name, 0.0) + seconds

    def measure(self, name: str) -> _Measure:
        """`with timings.measure("db"): ...` adds the block's wall time to `name`."""
        return _Measure(self, name)

    def elapsed(self) -> float:
        return perf_counter() - self.start

    def header_value(self, total: float | None = None) -> str:
        """`total;dur=1.23, db;dur=0.40` in milliseconds with two decimals."""
        total = self.elapsed() if total is None else total
        parts = [f"total;dur={total * 1000:.2f}"]
        for name, seconds in self.segments.items():
            parts.append(f"{name};dur={seconds * 1000:.2f}")
        return ", ".join(parts)
