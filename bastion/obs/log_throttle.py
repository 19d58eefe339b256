"""At most one log line per kind of fault and interval, for faults that hit every request at once.

When the database goes away, every request fails the same way within milliseconds; a line (let
alone a traceback) per request turned a 25 s outage into 57 MB of log. A `LogThrottle` writes the
first line of each key at once, then stays quiet for `interval` seconds, counting; the next line
that gets through says how many it held back. Per process, like the log itself.
"""

from __future__ import annotations

import logging
import time
from typing import Any


class LogThrottle:
    def __init__(self, logger: logging.Logger, interval: float = 10.0, max_keys: int = 64) -> None:
        self.logger = logger
        self.interval = interval
        self.max_keys = max_keys
        self._seen: dict[str, list[float]] = {}  # key -> [time of the last line, lines held back]

    def log(self, level: int, key: str, msg: str, *args: Any, extra: dict[str, Any] | None = None) -> bool:
        """Log `msg % args` unless a line with this key went out less than `interval` ago;
        returns whether it was written."""
        now = time.monotonic()
        entry = self._seen.get(key)
        if entry is not None and now - entry[0] < self.interval:
            entry[1] += 1
            return False
        held = int(entry[1]) if entry is not None else 0
        if entry is None and len(self._seen) >= self.max_keys:
            self._seen.pop(next(iter(self._seen)))  # the oldest key: bounded memory
        self._seen[key] = [now, 0]
        if held:
            msg = f"{msg} ({held} more like it since the last line)"
        self.logger.log(level, msg, *args, extra={**(extra or {}), "suppressed": held})
        return True
