"""Rate limits per route group and per user or address, and the login lockout.

    check_request(app, request)     run by `guard` before every handler; raises TooManyRequestsError
    check_batch_request(...)        the same for each /api/batch sub-request (collection rules only)
    lockout.check / record_failure / record_success
                                    the auth-with-password hooks (see lockout.py)
    attach(app, store=, clock=)     install a limiter (tests: a fake clock, a Redis store)
    limiter_of(app), close(app)     the app's limiter (built from Config on first use); release it

Modules: options (Config fields, auth baseline), limiter (fixed windows over a store),
store_base / store_memory / store_redis (the store interface and its two implementations),
route_labels (PocketBase's labels per route), request_check, lockout. docs/ratelimits.md
describes the behaviour for operators.
"""

from __future__ import annotations

from bastion.ratelimit import lockout
from bastion.ratelimit.limiter import Limiter
from bastion.ratelimit.limiter_setup import attach, build_store, close, limiter_of
from bastion.ratelimit.options import BASELINE_RULES, LimitOptions
from bastion.ratelimit.request_check import check_batch_request, check_request
from bastion.ratelimit.store_base import CounterStore, StoreUnavailable
from bastion.ratelimit.store_memory import MemoryStore

__all__ = [
    "BASELINE_RULES",
    "CounterStore",
    "LimitOptions",
    "Limiter",
    "MemoryStore",
    "StoreUnavailable",
    "attach",
    "build_store",
    "check_batch_request",
    "check_request",
    "close",
    "limiter_of",
    "lockout",
]
