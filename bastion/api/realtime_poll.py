"""POST /api/realtime/poll — realtime by long polling (a Bastion addition; docs/realtime.md).

The first poll (no `clientId`) creates a client and answers at once with its id; later polls
send `clientId` and the `cursor` of the last event they received, and get the events after it,
waiting up to `timeout` seconds (at most 30) when there are none yet. Subscriptions are set by
`subscriptions` in any poll (replacing the set) or by the SSE `POST /api/realtime`. The same hub
and rule checks serve every transport; bastion/realtime/poll_buffer.py keeps the events.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import bearer_token, load_access, read_body
from bastion.api.realtime import client_ip, find_client, realtime_hub, validate_body
from bastion.auth.tokens import unverified_claims
from bastion.errors import (
    ApiError,
    BadRequestError,
    NotFoundError,
    UnavailableError,
    ValidationError,
    field_error,
)
from bastion.realtime import RealtimeClient, poll_buffer
from bastion.realtime.record_message import topic_event

MAX_WAIT = 30.0
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


def _bind_expiry(request: Request, client: RealtimeClient) -> None:
    """Polls can go on for longer than a token lives: remember when this one expires."""
    claims = unverified_claims(bearer_token(request)) if client.auth is not None else None
    client.auth_expires = float((claims or {}).get("exp") or 0)


def _answer(client: RealtimeClient, cursor: int, events: list[tuple[int, Any]]) -> Response:
    last = events[-1][0] if events else cursor
    body = b",".join(topic_event(m.name, m.data) for _, m in events)
    head = f'{{"clientId":"{client.id}","cursor":{last},"events":['.encode()
    return Response(head + body + b"]}", media_type="application/json")


async def poll(request: Request) -> Response:
    hub = realtime_hub(request)
    body = await read_body(request)
    client_id, subs = validate_body(body, client_required=False)
    cursor = int(_number(body, "cursor", 0, 2**53))
    wait = _number(body, "timeout", DEFAULT_WAIT, MAX_WAIT)
    idle_timeout = hub.limits.poll_idle_timeout
    if not client_id:
        access = await load_access(request)
        client = hub.register(ip=client_ip(request), streaming=False)  # 429 when over budget
        try:
            hub.set_subscriptions(client, subs)
        except ApiError:
            hub.unregister(client)  # a refused first poll leaves nothing behind
            raise
        client.auth = access.auth
        _bind_expiry(request, client)
        poll_buffer.poll_state(client, idle_timeout)
        return _answer(client, 0, [])
    client = await find_client(request, hub, client_id)
    if client.streaming:
        raise NotFoundError("Missing or invalid client id.")  # an SSE/WebSocket client
    _bind_expiry(request, client)
    if "subscriptions" in body:
        hub.set_subscriptions(client, subs)
    events = await poll_buffer.take(client, cursor, wait, idle_timeout)
    if client.discarded.is_set():
        hub.unregister(client)
        if client.shutting_down:
            raise UnavailableError()
        raise NotFoundError("Missing or invalid client id.")  # fell too far behind: start over
    return _answer(client, cursor, events)
