"""How long a failed job waits before its next attempt.

Exponential with "equal jitter": attempt n waits between half and all of min(cap, base·2^(n-1)),
so retries of jobs that failed together (a receiver that was down) spread out instead of
arriving in waves, and no retry comes sooner than half the nominal delay.
"""

from __future__ import annotations

import random
from collections.abc import Callable

Backoff = Callable[[int], float]  # the attempt that failed (1-based) → seconds until the next

BASE = 2.0
CAP = 3600.0


def exponential_backoff(base: float = BASE, cap: float = CAP) -> Backoff:
    def delay(attempt: int) -> float:
        nominal = min(cap, base * 2.0 ** min(max(attempt - 1, 0), 60))
        return nominal / 2 + random.uniform(0, nominal / 2)  # noqa: S311 - spreading, not secrecy

    return delay


def fixed_backoff(seconds: float) -> Backoff:
    """The same delay after every failure (tests; jobs that poll)."""
    return lambda _attempt: seconds
