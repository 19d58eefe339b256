"""The rate-limit store interface: a few atomic operations on short-lived keys.

Counting logic (windows, lock-outs) lives above the store and decides everything from its own
clock; the store's time-to-live only bounds memory. That keeps the two implementations honest
twins: the in-memory store (one process) and Redis (several nodes) differ in where the keys live,
never in what a limit means.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class StoreUnavailable(Exception):
    """The store could not be reached; callers let the request through and log it."""


class CounterStore(ABC):
    @abstractmethod
    async def incr(self, key: str, ttl: float) -> int:
        """Add one to `key` and return the new count; a new key lives `ttl` seconds."""

    @abstractmethod
    async def get(self, key: str) -> str | None:
        """The value last `set` (or counted) under `key`, None when absent or expired."""

    @abstractmethod
    async def set(self, key: str, value: str, ttl: float) -> None:
        """Store `value` under `key` for `ttl` seconds, replacing any previous value."""

    @abstractmethod
    async def delete(self, *keys: str) -> None:
        """Forget the keys; missing keys are fine."""

    async def close(self) -> None:
        """Release connections; the default has none."""
        return None
