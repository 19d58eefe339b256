"""Login lockout: too many wrong passwords from one client for one account lock that client out
of that account for a while.

After `lockout_failures` failed password logins for the same account *from the same client*
within `lockout_window` seconds, that client's logins to that account are refused with 429 (and
Retry-After) for `lockout_duration` seconds, even with the right password (otherwise the 429
would tell the guesser when a guess was right). Other clients are not affected: the owner signs
in from their own address while a guesser is locked out. A successful login clears that
client's failures.

The client is the address the proxy-headers middleware trusts; an IPv6 address counts as its
/64 network, the block one subscriber usually holds, so walking through it gains nothing.

The account is the record when the identity names one (so its e-mail and its username share
one count) and otherwise the identity as typed, lower-cased: unknown identities are counted the
same way, so a 429 never tells whether an account exists. Failures are counted in fixed windows
like the rate limits; the lock itself stores its end time, read against the limiter's clock.

Why not lock the account for everyone: then anyone who knows an e-mail address could keep its
owner (a superuser included) out indefinitely with five wrong passwords every cool-down.
docs/ratelimits.md weighs the alternatives.

Wiring, in auth-with-password (after the record lookup, before the password check):

    await lockout.check(app, collection, identity, record, client=ip)
    ... verify ...
    await lockout.record_failure(app, collection, identity, record, client=ip)   # wrong identity or password
    await lockout.record_success(app, collection, identity, record, client=ip)   # password accepted
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any

from bastion.errors import TooManyRequestsError
from bastion.obs.metrics import RATELIMIT_REJECTIONS
from bastion.ratelimit.limiter import Limiter
from bastion.ratelimit.limiter_setup import LimiterOwner, limiter_of

IPV6_PREFIX = 64


def client_key(ip: str) -> str:
    """The client a lockout is kept for: an IPv4 address, or the /64 network of an IPv6 one."""
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip.strip()
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, IPV6_PREFIX), strict=False))
    return str(addr)


def subject(collection: Any, identity: str, record: Any = None, *, client: str) -> str:
    """The account a login attempt is about, scoped to its collection and the client."""
    who = f"rec:{record.id}" if record is not None else f"id:{identity.strip().lower()}"
    return f"{collection.id}|{who}|{client_key(client)}"


async def check(
    app: LimiterOwner, collection: Any, identity: str, record: Any = None, *, client: str
) -> None:
    """Raise TooManyRequestsError while the account is locked for this client."""
    limiter = limiter_of(app)
    if limiter.options.lockout_failures <= 0:
        return
    key = f"lock|{subject(collection, identity, record, client=client)}"
    until = await limiter.guarded(limiter.store.get(key), None)
    if until is None:
        return
    left = float(until) - limiter.clock()
    if left > 0:
        RATELIMIT_REJECTIONS.labels("login_lockout").inc()
        raise TooManyRequestsError(retry_after=max(1, math.ceil(left)))


async def record_failure(
    app: LimiterOwner, collection: Any, identity: str, record: Any = None, *, client: str
) -> None:
    """Count a failed login; the one that reaches the limit locks the account for this client."""
    limiter = limiter_of(app)
    opts = limiter.options
    if opts.lockout_failures <= 0:
        return
    who = subject(collection, identity, record, client=client)
    key = _failures_key(limiter, who)
    failures = await limiter.guarded(limiter.store.incr(key, opts.lockout_window + 1), 0)
    if failures >= opts.lockout_failures:
        until = limiter.clock() + opts.lockout_duration
        await limiter.guarded(limiter.store.set(f"lock|{who}", repr(until), opts.lockout_duration + 1), None)
        # the next run of failures after the cool-down starts from zero
        await limiter.guarded(limiter.store.delete(key), None)


async def record_success(
    app: LimiterOwner, collection: Any, identity: str, record: Any = None, *, client: str
) -> None:
    """A successful login forgets this client's failures on the account."""
    limiter = limiter_of(app)
    if limiter.options.lockout_failures <= 0:
        return
    who = subject(collection, identity, record, client=client)
    await limiter.guarded(limiter.store.delete(_failures_key(limiter, who)), None)


def _failures_key(limiter: Limiter, who: str) -> str:
    window = max(1, limiter.options.lockout_window)
    return f"fail|{who}|{math.floor(limiter.clock() / window)}"
