"""The limiter: fixed-window counters over the ephemeral store, timed by one injectable clock.

A window of `duration` seconds is aligned to the clock (window n covers [n·d, (n+1)·d)), and its
number is part of the key: processes sharing a store (the database's or Redis) agree on windows
as far as their clocks agree, and a test can move time by swapping the clock. Each request adds one to its window's counter;
past `max_requests` the answer is "retry in <seconds left in the window>". PocketBase also counts
in fixed windows (started at the client's first request rather than aligned).

When the store is unreachable the request is let through and the failure logged (at most once a
minute): an outage of the store must not become an API outage.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from bastion.ratelimit.options import LimitOptions
from bastion.store.ephemeral_base import EphemeralStore, StoreUnavailable

if TYPE_CHECKING:
    from bastion.ratelimit.request_check import ActiveLimits

log = logging.getLogger("bastion.ratelimit")
Clock = Callable[[], float]
T = TypeVar("T")

_LOG_EVERY = 60.0


class Limiter:
    def __init__(
        self, store: EphemeralStore, options: LimitOptions | None = None, *, clock: Clock = time.time
    ) -> None:
        self.store = store
        self.options = options or LimitOptions()
        self.clock = clock
        self._logged_at = -math.inf
        # (settings document, rules parsed from it): request_check parses each document once
        self.rules_cache: tuple[object, ActiveLimits] | None = None

    async def consume(self, bucket: str, max_requests: int, duration: int) -> int | None:
        """Count one request in `bucket`; the seconds to wait when that is one too many, else None."""
        if duration <= 0:
            return None
        now = self.clock()
        window = math.floor(now / duration)
        left = (window + 1) * duration - now
        count = await self.guarded(self.store.incr(f"{bucket}|{duration}|{window}", left + 1), 0)
        if count > max_requests:
            return max(1, math.ceil(left))
        return None

    async def guarded(self, op: Awaitable[T], fallback: T) -> T:
        """Run a store operation; when the store is down, log (throttled) and return `fallback`."""
        try:
            return await op
        except StoreUnavailable as exc:
            now = time.monotonic()
            if now - self._logged_at >= _LOG_EVERY:
                self._logged_at = now
                log.warning(
                    "rate-limit store unavailable; requests are not limited", extra={"error": str(exc)}
                )
            return fallback
