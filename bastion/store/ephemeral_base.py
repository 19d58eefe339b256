"""The ephemeral store: short-lived keys every worker and node of a deployment shares.

Rate-limit counters, login lockouts, OAuth2 redirect hand-offs and Apple's one-time user name
must hold whichever process takes a client's next request, yet losing them costs little (a
counter restarts, a sign-in is tried again). So they live apart from the durable data, behind a
few atomic operations on keys that expire:

    incr(key, ttl)        add one and return the count (a new key starts at 1 and lives ttl s)
    get(key)              the value, None when absent or expired
    set(key, value, ttl)  replace the value
    take(key)             get and delete in one step: exactly one caller gets a value
    delete(*keys)         forget them

Implementations, chosen by `ephemeral_open.open_ephemeral`, differ in where keys live, never in
what the operations mean (tests/contract/ephemeral/test_ephemeral_contract.py runs one contract over all):

    memory     this process only (one worker, tests)                  ephemeral_memory.py
    database   an UNLOGGED table on PostgreSQL, or `ephemeral.db`       ephemeral_sql.py
               beside SQLite's data with synchronous=OFF               ephemeral_sqlite.py
    redis      keys in Redis, when `ratelimit_redis_url` is set        ephemeral_redis.py

Expiry is read against the store's clock (seconds since the epoch); callers that decide by time
(fixed windows, lock ends) keep their own clock and use the TTL only to bound what is kept. A
store that cannot answer raises `StoreUnavailable`: callers let the request through and log it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

Clock = Callable[[], float]


class StoreUnavailable(Exception):
    """The store could not be reached; callers let the request through and log it."""


class EphemeralStore(ABC):
    @abstractmethod
    async def incr(self, key: str, ttl: float) -> int:
        """Add one to `key` and return the new count; a new (or expired) key starts at 1 and
        lives `ttl` seconds from now. Atomic: concurrent callers on any process never share a
        count."""

    @abstractmethod
    async def get(self, key: str) -> str | None:
        """The value last `set` (or counted) under `key`, None when absent or expired."""

    @abstractmethod
    async def set(self, key: str, value: str, ttl: float) -> None:
        """Store `value` under `key` for `ttl` seconds, replacing any previous value."""

    @abstractmethod
    async def take(self, key: str) -> str | None:
        """The value under `key`, removed in the same step (None when absent or expired): of
        callers racing on one key, exactly one gets it."""

    @abstractmethod
    async def delete(self, *keys: str) -> None:
        """Forget the keys; missing keys are fine."""

    async def close(self) -> None:
        """Release connections; the default has none."""
        return None
