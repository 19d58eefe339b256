"""POST /api/realtime/poll — realtime by long polling (a Bastion addition; docs/realtime.md).

The first poll (no `clientId`) creates a client and answers at once with its id; later polls
send `clientId` and the `cursor` of the last event they received, and get the events after it,
waiting up to `timeout` seconds (at most 30) when there are none yet. Subscriptions are set by
`subscriptions` in any poll (replacing the set) or by the SSE `POST /api/realtime`. The same hub
and rule checks serve every transport; bastion/realtime/poll_buffer.py keeps the events. A poll
reaching a worker or node that does not hold the client is run by the one that does
(bastion/realtime/client_ops.py `poll`, sent over by client_router.py).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import bearer_token, load_access, read_body
from bastion.api.realtime import client_ip, realtime_hub, validate_body
from bastion.auth.tokens import unverified_claims
from bastion.core.record_model import Record
from bastion.errors import ApiError, BadRequestError, ValidationError, field_error
from bastion.realtime import poll_buffer
from bastion.realtime.client_router import REPLY_WAIT, on_owner

MAX_WAIT = poll_buffer.MAX_WAIT
DEFAULT_WAIT = 25.0


def _number(body: dict[str, Any], name: str, default: float, maximum: float) -> float:
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequestError(BadRequestError.default_message)
    if not 0 <= value <= maximum:
        error = field_error(
            "validation_out_of_range",
            f"Must be between 0 and {maximum:g}.",
            {"max": maximum, "min": 0},
        )
        raise ValidationError({name: error}, BadRequestError.default_message)
    return float(value)


def _token_expiry(request: Request, auth: Record | None) -> float:
    """When the request's token expires (0: a guest): polls can go on for longer than a token lives."""
    claims = unverified_claims(bearer_token(request)) if auth is not None else None
    return float((claims or {}).get("exp") or 0)


def _json(text: str) -> Response:
    return Response(text.encode(), media_type="application/json")


async def poll(request: Request) -> Response:
    hub = realtime_hub(request)
    body = await read_body(request)
    client_id, subs = validate_body(body, client_required=False)
    cursor = int(_number(body, "cursor", 0, 2**53))
    wait = _number(body, "timeout", DEFAULT_WAIT, MAX_WAIT)
    access = await load_access(request)
    if not client_id:  # a new client, held by this process (its id says so)
        client = hub.register(ip=client_ip(request), streaming=False)  # 429 when over budget
        try:
            hub.set_subscriptions(client, subs)
        except ApiError:
            hub.unregister(client)  # a refused first poll leaves nothing behind
            raise
        client.auth = access.auth
        client.auth_expires = _token_expiry(request, access.auth)
        poll_buffer.poll_state(client, hub.limits.poll_idle_timeout)
        return _json(poll_buffer.answer(client.id, 0, []))
    args: dict[str, Any] = {
        "ip": client_ip(request),
        "cursor": cursor,
        "timeout": wait,
        "authExpires": _token_expiry(request, access.auth),
    }
    if "subscriptions" in body:
        args["subscriptions"] = subs
    # run where the client lives, whichever worker or node this poll reached; that process may
    # wait the poll's timeout, and has REPLY_WAIT more to answer
    return _json(await on_owner(hub, client_id, "poll", args, access.auth, wait=wait + REPLY_WAIT))
