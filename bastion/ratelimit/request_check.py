"""The per-request check that `guard` runs before every handler (PocketBase's rate-limit middleware).

For each request, as PocketBase 0.40.6 does:

1. Skip when limits are off, the caller is a superuser, or the client address is in
   `rateLimits.excludedIPs`.
2. Path rule: the first rule for `["METHOD /path", "/path"]` (exact label, else the longest
   `/api/`-style prefix) for the caller's audience (`""` plus `@guest` or `@auth`); its counter is
   shared by every path the rule covers.
3. Collection rule, on collection routes: the first rule for `<collection>:<tag>`, `*:<tag>`, then
   the path labels; its counter belongs to that collection and route.

Both checks count, so one request can use a token from each. Bastion differs in one way, asked for
by its issue: signed-in callers are counted per account (guests per address), so users behind one
NAT do not share a budget and an account cannot escape its limit by changing address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import Any

from bastion.auth.auth_record import auth_record_for_token, bearer_value
from bastion.core.app_protocol import App
from bastion.core.settings_sections import RateLimitsSettings, Settings
from bastion.errors import TooManyRequestsError
from bastion.obs.metrics import RATELIMIT_REJECTIONS
from bastion.ratelimit.limiter import Limiter
from bastion.ratelimit.limiter_setup import LimiterOwner, limiter_of
from bastion.ratelimit.options import BASELINE_RULES
from bastion.ratelimit.route_labels import RouteLimit, collection_labels, path_labels

GUEST_AUDIENCES = ("", "@guest")
AUTH_AUDIENCES = ("", "@auth")
SUPERUSERS = "_superusers"
_AUTH_STATE = "bastion_auth"  # the request-scoped auth cache that api/context.load_access fills


async def check_request(app: LimiterOwner, request: Any, route: RouteLimit | None = None) -> None:
    """Raise TooManyRequestsError (with Retry-After seconds) when `request` is over a limit.

    `route`: the collection route's tags when the request's method is the one they are bound to
    (None elsewhere); the collection is the request's `collection` path parameter."""
    scope = request.scope
    state = scope.setdefault("state", {})

    async def auth() -> Any:
        return await _request_auth(app, request, state)

    ip = state.get("client_ip") or (request.client.host if request.client else "")
    name = request.path_params["collection"] if route else None
    await check_call(app, scope["method"], scope["path"], ip, auth, route, name)


async def check_call(
    app: LimiterOwner,
    method: str,
    path: str,
    ip: str,
    auth: Callable[[], Awaitable[Any]],
    route: RouteLimit | None = None,
    collection_name: str | None = None,
) -> None:
    """The check for one call of any protocol, as the REST request `method path` would be checked
    (the gRPC service checks each call as its REST twin, so both share the same rules and counters).

    `auth` loads the caller's auth record; it is awaited only when a rule applies."""
    limiter = limiter_of(app)
    limits, excluded = _active_limits(limiter, app.settings)
    if limits is None:
        return
    # (method, path) pairs no rule covers are remembered on the registry memo, until the rules
    # or the schema change (collection names decide which collection rules a path falls under):
    # the labels and the rule scan cost more than the rest of a cheap request's check
    memo_key = ("ratelimit:unlimited", method, path)
    registry = app.registry
    if registry.memo.get(memo_key) is limits:
        return
    collection = registry.find_collection(collection_name) if route and collection_name else None
    labels = path_labels(method, path)
    own_labels = collection_labels(route, collection.name, method, path) if route and collection else None
    # most requests match no rule at all: decide that before paying for the auth lookup
    if limits.find_rule(labels) is None and (own_labels is None or limits.find_rule(own_labels) is None):
        registry.remember(memo_key, limits)
        return

    if excluded and _excluded(ip, excluded):
        return
    caller = _caller(ip, await auth())
    if caller is None:
        return
    audiences, who = caller
    rule = limits.find_rule(labels, audiences)
    if rule is not None:
        await _consume(limiter, f"{rule.label}{rule.audience}", who, rule.max_requests, rule.duration)
    if own_labels is not None and route is not None and collection is not None:
        rule = limits.find_rule(own_labels, audiences)
        if rule is not None:
            bucket = f"{collection.id}{route.pattern}{''.join(route.tags)}{rule.audience}"
            await _consume(limiter, bucket, who, rule.max_requests, rule.duration)


async def check_batch_request(
    app: LimiterOwner, ip: str, auth: Any, collection: Any, method: str, path: str, tag: str
) -> None:
    """A `/api/batch` sub-request (`tag`: create, update or delete), as PocketBase 0.40.6 counts
    it: only the collection rule (`<collection>:<tag>`, `*:<tag>`, then the sub-request's path
    labels), for the sub-request's own caller. Its counter is per collection and action but not
    the direct route's (PocketBase's sub-requests have no route pattern), so a batch and direct
    requests do not share a budget. Over the limit, the sub-request fails with 429 and the batch
    with it."""
    limiter = limiter_of(app)
    limits, excluded = _active_limits(limiter, app.settings)
    if limits is None or (excluded and _excluded(ip, excluded)):
        return
    caller = _caller(ip, auth)
    if caller is None:
        return
    audiences, who = caller
    labels = [f"{collection.name}:{tag}", f"*:{tag}", *path_labels(method, path)]
    rule = limits.find_rule(labels, audiences)
    if rule is not None:
        bucket = f"{collection.id}{tag}{rule.audience}"
        await _consume(limiter, bucket, who, rule.max_requests, rule.duration)


def _caller(ip: str, auth: Any) -> tuple[tuple[str, ...], str] | None:
    """(audiences, counter key) for a caller; None when nothing is to be counted (a superuser,
    or no client key at all, as PocketBase skips an empty address)."""
    if auth is not None and auth.collection.name == SUPERUSERS:
        return None
    if auth is not None:
        return AUTH_AUDIENCES, f"auth:{auth.collection.id}:{auth.id}"
    if not ip:
        return None
    return GUEST_AUDIENCES, f"ip:{ip}"


async def _consume(limiter: Limiter, bucket: str, who: str, max_requests: int, duration: int) -> None:
    retry_after = await limiter.consume(f"req|{bucket}|{who}", max_requests, duration)
    if retry_after is not None:
        RATELIMIT_REJECTIONS.labels("rate_limit").inc()
        raise TooManyRequestsError(retry_after=retry_after)


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
# the rules in force (None: no limit) and the networks they do not apply to
ActiveLimits = tuple[RateLimitsSettings | None, Networks]


def _active_limits(limiter: Limiter, settings: Settings) -> ActiveLimits:
    """The rules in force (the settings' when enabled, else the auth baseline) and excluded networks.

    Worked out once per settings document: the App swaps in a new one on every change."""
    cached = limiter.rules_cache
    if cached is not None and cached[0] is settings:
        return cached[1]
    rate_limits = settings.rate_limits
    excluded = _networks(rate_limits.excluded_ips)
    active: RateLimitsSettings | None
    if rate_limits.enabled:
        active = rate_limits
    elif limiter.options.auth_baseline:
        active = RateLimitsSettings(rules=BASELINE_RULES, excluded_ips=rate_limits.excluded_ips, enabled=True)
    else:
        active = None
    result = (active, excluded)
    limiter.rules_cache = (settings, result)
    return result


def _networks(items: tuple[str, ...]) -> Networks:
    out = []
    for item in items:
        try:
            out.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue  # settings validation rejects these; an old document may still hold one
    return tuple(out)


def _excluded(ip: str, networks: Networks) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in net for net in networks)


async def _request_auth(app: App, request: Any, state: dict[str, Any]) -> Any:
    """The caller's auth record, loaded once per request and left where the handlers look for it."""
    cached = state.get(_AUTH_STATE, False)
    if cached is not False:
        return cached
    auth = await auth_record_for_token(app, bearer_value(request.headers.get("authorization", "")))
    state[_AUTH_STATE] = auth
    return auth
