"""One Limiter per App: built from the configuration on first use, replaceable in tests.

`limiter_of(app)` is what the request check and the login lockout call; `attach(app, ...)`
installs one explicitly (a Redis store, a fake clock). The App's shutdown should `await
close(app)` so a Redis connection pool is released.
"""

from __future__ import annotations

import time

from bastion.core.app_protocol import App
from bastion.ratelimit.limiter import Clock, Limiter
from bastion.ratelimit.options import LimitOptions
from bastion.ratelimit.store_base import CounterStore
from bastion.ratelimit.store_memory import MemoryStore
from bastion.ratelimit.store_redis import RedisStore

_ATTR = "ratelimiter"


def build_store(options: LimitOptions, *, clock: Clock = time.time) -> CounterStore:
    """Redis when a URL is configured (several nodes share counters), else in-process memory."""
    if options.redis_url:
        return RedisStore(options.redis_url)
    return MemoryStore(clock=clock)


def attach(
    app: App,
    *,
    store: CounterStore | None = None,
    clock: Clock | None = None,
    options: LimitOptions | None = None,
) -> Limiter:
    """Install (or replace) the app's limiter; unspecified parts come from the configuration."""
    options = options or LimitOptions.from_config(app.config)
    clock = clock or time.time
    limiter = Limiter(store or build_store(options, clock=clock), options, clock=clock)
    setattr(app, _ATTR, limiter)
    return limiter


def limiter_of(app: App) -> Limiter:
    limiter = getattr(app, _ATTR, None)
    if limiter is None:
        limiter = attach(app)
    return limiter  # type: ignore[no-any-return]


async def close(app: App) -> None:
    limiter = getattr(app, _ATTR, None)
    if limiter is not None:
        setattr(app, _ATTR, None)
        await limiter.close()
