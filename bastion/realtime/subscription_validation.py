"""Checking a subscription list before a client holds it, the same on SSE, WebSocket and long polling.

PocketBase's limits come first (at most 1,000 subscriptions of at most 2,500 characters, its field
errors word for word). Then every `filter` option is parsed, and one that does not parse, nests
too deep or has more than 200 expressions answers 400 with the subscription's index. PocketBase
accepts such a subscription and then never sends it anything (its filter fails on every event);
refusing it up front tells the client why, and keeps filters that cannot work out of the fan-out.
"""

from __future__ import annotations

from typing import Any

from bastion import rules
from bastion.errors import BadRequestError, ValidationError, field_error
from bastion.realtime.address_quota import Charge
from bastion.realtime.subscription_topics import SubscriptionOptions, parse_subscription
from bastion.rules.sql_compiler import DEFAULT_EXPR_LIMIT

MAX_SUBSCRIPTIONS = 1000
MAX_SUBSCRIPTION_LENGTH = 2500
MAX_FILTER_EXPRESSIONS = DEFAULT_EXPR_LIMIT  # PocketBase's per-filter expression cap (200)


def subscription_errors(subs: list[str]) -> dict[str, Any]:
    """PocketBase's field errors for a subscription list (too many, or one too long); {} if fine."""
    if len(subs) > MAX_SUBSCRIPTIONS:
        return {"subscriptions": _too_long(MAX_SUBSCRIPTIONS)}
    for i, s in enumerate(subs):
        if len(s) > MAX_SUBSCRIPTION_LENGTH:
            return {"subscriptions": {str(i): _too_long(MAX_SUBSCRIPTION_LENGTH)}}
    return {}


def parse_subscriptions(subs: list[str]) -> dict[str, SubscriptionOptions]:
    """The subscriptions (without blanks and repeats) with their options; ValidationError (400)
    when the list breaks PocketBase's limits. Filters are not parsed yet: see `check_filters`."""
    errors = subscription_errors(subs)
    if errors:
        raise ValidationError(errors, BadRequestError.default_message)
    return {s: parse_subscription(s) for s in subs if s}


def charge_of(subscriptions: dict[str, SubscriptionOptions]) -> Charge:
    """What a client holding `subscriptions` is charged against its address's budget."""
    filters = {o.filter for o in subscriptions.values() if o.filter}
    return Charge(len(subscriptions), sum(len(f) for f in filters))


def check_filters(subs: list[str], subscriptions: dict[str, SubscriptionOptions]) -> None:
    """Parse every distinct filter among `subscriptions`; ValidationError naming the index in
    `subs` of the first whose filter is unusable."""
    seen: set[str] = set()
    for i, s in enumerate(subs):
        options = subscriptions.get(s)
        flt = options.filter if options is not None else ""
        if not flt or flt in seen:
            continue
        seen.add(flt)
        problem = filter_problem(flt)
        if problem:
            error = field_error("validation_invalid_filter", f"Invalid filter: {problem}")
            raise ValidationError({"subscriptions": {str(i): error}}, BadRequestError.default_message)


def filter_problem(flt: str) -> str | None:
    """Why a subscription filter can never be applied, or None when it parses."""
    try:
        expr = rules.parse(flt)
    except rules.RuleSyntaxError as exc:
        return str(exc)
    if sum(1 for _ in rules.iter_comparisons(expr)) > MAX_FILTER_EXPRESSIONS:
        return f"more than {MAX_FILTER_EXPRESSIONS} expressions"
    return None


def _too_long(limit: int) -> dict[str, Any]:
    return field_error(
        "validation_length_too_long",
        f"The length must be no more than {limit}.",
        {"max": limit, "min": 0},
    )
