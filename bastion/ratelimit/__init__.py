"""Rate limits per route group and per user or address, and the login lockout.

    check_request(app, request, route)
                                    run by `guard` before every handler; raises TooManyRequestsError
    check_call(app, method, path, ...)
                                    the same for a call of another protocol, as its REST twin (gRPC)
    check_batch_request(...)        the same for each /api/batch sub-request (collection rules only)
    lockout.check / record_failure / record_success
                                    the auth-with-password hooks (see lockout.py)
    build(app)                      the App's limiter, over its ephemeral store (App.start)
    attach(app, store=, clock=)     replace it (tests: a fake clock, other options)

Modules: options (Config fields, auth baseline), limiter (fixed windows over the App's ephemeral
store, bastion/store/ephemeral_*.py: the database's by default, Redis when configured),
limiter_setup, route_labels (the labels a request is checked with; RouteLimit, a route's tags), request_check, lockout.
docs/ratelimits.md describes the behaviour for operators.
"""

from __future__ import annotations

from bastion.ratelimit import lockout
from bastion.ratelimit.limiter import Limiter
from bastion.ratelimit.limiter_setup import attach, build, limiter_of
from bastion.ratelimit.options import BASELINE_RULES, LimitOptions
from bastion.ratelimit.request_check import check_batch_request, check_call, check_request
from bastion.ratelimit.route_labels import RouteLimit

__all__ = [
    "BASELINE_RULES",
    "LimitOptions",
    "Limiter",
    "RouteLimit",
    "attach",
    "build",
    "check_batch_request",
    "check_call",
    "check_request",
    "limiter_of",
    "lockout",
]
