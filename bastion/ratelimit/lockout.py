"""Login lockout: too many wrong passwords for one account lock that account for a while.

After `lockout_failures` failed password logins for the same account within `lockout_window`
seconds, every login attempt for it is refused with 429 (and Retry-After) for `lockout_duration`
seconds: from any address, and even with the right password, so spreading a guessing run over
many addresses gains nothing. A successful login clears the failures.

The account is the record when the identity names one (so its e-mail and its username share
one count) and otherwise the identity as typed, lower-cased: unknown identities are counted the
same way, so a 429 never tells whether an account exists. Failures are counted in fixed windows
like the rate limits; the lock itself stores its end time, read against the limiter's clock.

Wiring, in auth-with-password (after the record lookup, before the password check):

    await lockout.check(app, collection, identity, record)
    ... verify ...
    await lockout.record_failure(app, collection, identity, record)   # wrong identity or password
    await lockout.record_success(app, collection, identity, record)   # password accepted
"""

from __future__ import annotations

import math
from typing import Any

from bastion.errors import TooManyRequestsError
from bastion.ratelimit.limiter import Limiter
from bastion.ratelimit.limiter_setup import limiter_of


def subject(collection: Any, identity: str, record: Any = None) -> str:
    """The account a login attempt is about, scoped to its collection."""
    who = f"rec:{record.id}" if record is not None else f"id:{identity.strip().lower()}"
    return f"{collection.id}|{who}"


async def check(app: Any, collection: Any, identity: str, record: Any = None) -> None:
    """Raise TooManyRequestsError while the account is locked."""
    limiter = limiter_of(app)
    if limiter.options.lockout_failures <= 0:
        return
    until = await limiter.guarded(limiter.store.get(_lock_key(collection, identity, record)), None)
    if until is None:
        return
    left = float(until) - limiter.clock()
    if left > 0:
        raise TooManyRequestsError(retry_after=max(1, math.ceil(left)))


async def record_failure(app: Any, collection: Any, identity: str, record: Any = None) -> None:
    """Count a failed login; the one that reaches the limit locks the account."""
    limiter = limiter_of(app)
    opts = limiter.options
    if opts.lockout_failures <= 0:
        return
    key = _failures_key(limiter, collection, identity, record)
    failures = await limiter.guarded(limiter.store.incr(key, opts.lockout_window + 1), 0)
    if failures >= opts.lockout_failures:
        until = limiter.clock() + opts.lockout_duration
        await limiter.guarded(
            limiter.store.set(
                _lock_key(collection, identity, record), repr(until), opts.lockout_duration + 1
            ),
            None,
        )
        # the next run of failures after the cool-down starts from zero
        await limiter.guarded(limiter.store.delete(key), None)


async def record_success(app: Any, collection: Any, identity: str, record: Any = None) -> None:
    """A successful login forgets the account's failures."""
    limiter = limiter_of(app)
    if limiter.options.lockout_failures <= 0:
        return
    await limiter.guarded(limiter.store.delete(_failures_key(limiter, collection, identity, record)), None)


def _lock_key(collection: Any, identity: str, record: Any) -> str:
    return f"lock|{subject(collection, identity, record)}"


def _failures_key(limiter: Limiter, collection: Any, identity: str, record: Any) -> str:
    window = max(1, limiter.options.lockout_window)
    return f"fail|{subject(collection, identity, record)}|{math.floor(limiter.clock() / window)}"
