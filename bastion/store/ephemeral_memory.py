"""The in-memory ephemeral store: this process only (one worker, tests), bounded memory.

Every key carries an expiry time from the store's clock. Expired keys are swept at most once per
`sweep_every` seconds (and whenever the table is full); if it is still full after a sweep, the
oldest keys go first, so an address-spraying client can cost at most `max_keys` entries. All
operations are synchronous inside the event loop, so each is atomic without a lock.
"""

from __future__ import annotations

import time

from bastion.store.ephemeral_base import Clock, EphemeralStore


class MemoryStore(EphemeralStore):
    def __init__(
        self, *, clock: Clock = time.time, max_keys: int = 100_000, sweep_every: float = 60.0
    ) -> None:
        self.clock = clock
        self.max_keys = max_keys
        self.sweep_every = sweep_every
        # key -> (value, expires_at); dict order is insertion order, i.e. oldest first
        self._items: dict[str, tuple[str, float]] = {}
        self._next_sweep = clock() + sweep_every

    def __len__(self) -> int:
        return len(self._items)

    async def incr(self, key: str, ttl: float) -> int:
        now = self._maintain()
        item = self._items.get(key)
        if item is None or item[1] <= now:
            self._items.pop(key, None)
            self._make_room()
            self._items[key] = ("1", now + ttl)
            return 1
        count = int(item[0]) + 1
        self._items[key] = (str(count), item[1])
        return count

    async def get(self, key: str) -> str | None:
        now = self._maintain()
        item = self._items.get(key)
        if item is None or item[1] <= now:
            return None
        return item[0]

    async def set(self, key: str, value: str, ttl: float) -> None:
        now = self._maintain()
        self._items.pop(key, None)
        self._make_room()
        self._items[key] = (value, now + ttl)

    async def take(self, key: str) -> str | None:
        now = self._maintain()
        item = self._items.pop(key, None)
        if item is None or item[1] <= now:
            return None
        return item[0]

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._items.pop(key, None)

    # ---- bounded memory -----------------------------------------------------------------------

    def _maintain(self) -> float:
        now = self.clock()
        if now >= self._next_sweep:
            self._sweep(now)
        return now

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + self.sweep_every
        expired = [key for key, (_, expires) in self._items.items() if expires <= now]
        for key in expired:
            del self._items[key]

    def _make_room(self) -> None:
        if len(self._items) < self.max_keys:
            return
        self._sweep(self.clock())
        while len(self._items) >= self.max_keys:
            del self._items[next(iter(self._items))]
