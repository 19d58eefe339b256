"""The Redis ephemeral store: keys shared by every node pointing at the same Redis.

`incr` is one Lua script (INCR, then EXPIRE only when the key is new), so concurrent nodes never
lose a count and a key can never be left without an expiry; `take` is GET and DEL in one script
(GETDEL needs Redis 6.2). Keys are namespaced by `prefix`. Timeouts are short: a slow or absent
Redis must not hold requests, so every failure surfaces as `StoreUnavailable` and callers let
the request through (and log it). Redis expires keys on its own clock.

Connections come from a bounded pool that callers wait on: Redis runs one command at a time, so
a burst of concurrent requests gains nothing from a connection each, and opening hundreds of
sockets at once (each with the short connect timeout, on a busy machine) is what made counts go
missing under load. A caller that waits longer than the timeout for a connection is refused
like any other failure.
"""

from __future__ import annotations

import math
from typing import Any

from bastion.bus.redis_client import bounded_redis
from bastion.store.ephemeral_base import EphemeralStore, StoreUnavailable

_INCR = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""
_TAKE = """
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v
"""


# Per process: enough to keep Redis busy while some connections wait on the network.
MAX_CONNECTIONS = 8


def _seconds(ttl: float) -> int:
    return max(1, math.ceil(ttl))


class RedisStore(EphemeralStore):
    def __init__(
        self,
        url: str,
        *,
        prefix: str = "bastion:rl:",
        timeout: float = 0.5,
        max_connections: int = MAX_CONNECTIONS,
        client_name: str = "bastion-ephemeral",
    ) -> None:
        # imported here: the `redis` package is needed only when a Redis URL is configured
        import redis.asyncio as redis_asyncio

        self._errors: tuple[type[BaseException], ...] = (redis_asyncio.RedisError, OSError)
        self.prefix = prefix
        self._client: Any = bounded_redis(
            url,
            max_connections=max_connections,
            timeout=timeout,
            client_name=client_name,
            decode_responses=True,
        )
        self._incr = self._client.register_script(_INCR)
        self._take = self._client.register_script(_TAKE)

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

    async def take(self, key: str) -> str | None:
        try:
            value = await self._take(keys=[self.prefix + key])
        except self._errors as exc:
            raise StoreUnavailable(str(exc)) from exc
        return None if value is None else str(value)

    async def delete(self, *keys: str) -> None:
        if not keys:
            return
        try:
            await self._client.delete(*(self.prefix + k for k in keys))
        except self._errors as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def close(self) -> None:
        await self._client.aclose()
