"""The Redis store: counters shared by every node pointing at the same Redis.

`incr` is one Lua script (INCR, then EXPIRE only when the key is new), so concurrent nodes never
lose a count and a key can never be left without an expiry. Keys are namespaced by `prefix`.
Timeouts are short: a slow or absent Redis must not hold requests, so every failure surfaces as
`StoreUnavailable` and the limiter lets the request through (and logs it).
"""

from __future__ import annotations

import math
from typing import Any

from bastion.ratelimit.store_base import CounterStore, StoreUnavailable

_INCR = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


def _seconds(ttl: float) -> int:
    return max(1, math.ceil(ttl))


class RedisStore(CounterStore):
    def __init__(self, url: str, *, prefix: str = "bastion:rl:", timeout: float = 0.5) -> None:
        try:
            import redis.asyncio as redis_asyncio  # 0.6 s to import: only when Redis is configured
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise RuntimeError("the Redis rate-limit store needs the `redis` package") from exc
        self._errors: tuple[type[BaseException], ...] = (redis_asyncio.RedisError, OSError)
        self.prefix = prefix
        self._client: Any = redis_asyncio.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True
        )
        self._incr = self._client.register_script(_INCR)

    async def incr(self, key: str, ttl: float) -> int:
        try:
            return int(await self._incr(keys=[self.prefix + key], args=[_seconds(ttl)]))
        except self._errors as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def get(self, key: str) -> str | None:
        try:
            value = await self._client.get(self.prefix + key)
        except self._errors as exc:
            raise StoreUnavailable(str(exc)) from exc
        return None if value is None else str(value)

    async def set(self, key: str, value: str, ttl: float) -> None:
        try:
            await self._client.set(self.prefix + key, value, ex=_seconds(ttl))
        except self._errors as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def delete(self, *keys: str) -> None:
        if not keys:
            return
        try:
            await self._client.delete(*(self.prefix + k for k in keys))
        except self._errors as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def close(self) -> None:
        await self._client.aclose()
