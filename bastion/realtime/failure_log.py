"""One log line for subscribers the fan-out had to skip, at most once per interval.

A subscriber whose filter or rule fails on an event (a PostgreSQL run-time error, say) loses only
that event; the fan-out goes on. Such a subscription usually fails on every event, so logging a
traceback each time would flood the log: the first failure in an interval is logged as one line
with its cause, and the next line says how many were skipped meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

INTERVAL = 60.0
_MAX_CAUSE = 300


class FailureLog:
    def __init__(
        self,
        logger: logging.Logger,
        interval: float = INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = logger
        self.interval = interval
        self.clock = clock
        self._next = 0.0
        self.suppressed = 0  # failures not logged since the last line
        self.total = 0

    def note(self, topic: str, collection: str, exc: BaseException) -> None:
        self.total += 1
        now = self.clock()
        if now < self._next:
            self.suppressed += 1
            return
        self._next = now + self.interval
        cause = f"{type(exc).__name__}: {exc}"
        if len(cause) > _MAX_CAUSE:
            cause = cause[:_MAX_CAUSE] + "…"
        self.log.warning(
            "realtime subscriber skipped on %s (%s): %s; %d more skipped since the last report",
            collection,
            topic,
            cause,
            self.suppressed,
            extra={"collection": collection, "topic": topic, "suppressed": self.suppressed},
        )
        self.suppressed = 0
