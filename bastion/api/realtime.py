"""/api/realtime — PocketBase's SSE protocol.

GET opens the stream: a `PB_CONNECT` event carries the client id, then one event per matching
subscription. POST replaces a client's subscriptions and binds the auth of that request (a guest
may become authenticated, but an authenticated client cannot switch to another identity).
Streams end after 5 idle minutes or 30 minutes in total, as in PocketBase; the SDK reconnects.
The hub checks the subscriptions (400) and the address's budgets (429) for every transport.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from bastion.api.context import INVALID_BODY, get_app, load_access, read_body
from bastion.errors import (
    BadRequestError,
    UnavailableError,
    ValidationError,
    field_error,
)
from bastion.realtime import Message, RealtimeClient, RealtimeHub
from bastion.realtime.client_router import on_owner
from bastion.realtime.subscription_validation import subscription_errors

MAX_LIFETIME = 30 * 60.0
# sent when the node shuts down so EventSource clients come back soon (to this or another node)
RETRY_MS = 1000


def _sse(client_id: str, message: Message) -> bytes:
    return (
        b"id:"
        + client_id.encode()
        + b"\nevent:"
        + message.name.encode()
        + b"\ndata:"
        + message.data
        + b"\n\n"
    )


def realtime_hub(request: Request) -> RealtimeHub:
    hub = get_app(request).realtime
    if hub is None or hub.closed:
        raise UnavailableError()
    return hub


async def _stream(hub: RealtimeHub, client: RealtimeClient) -> AsyncIterator[bytes]:
    try:
        connect = Message("PB_CONNECT", b'{"clientId":"' + client.id.encode() + b'"}')
        yield _sse(client.id, connect)
        deadline = time.monotonic() + MAX_LIFETIME
        while not client.discarded.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            message = await client.next_message(min(hub.limits.idle_timeout, remaining))
            if message is None:
                break  # idle, discarded (slow consumer or shutdown) or past its lifetime
            yield _sse(client.id, message)
        if client.shutting_down:
            yield f"retry:{RETRY_MS}\n\n".encode()
    finally:
        hub.unregister(client)


async def connect(request: Request) -> Response:
    hub = realtime_hub(request)
    client = hub.register(ip=client_ip(request))  # 429 before the stream starts when over budget
    headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(_stream(hub, client), headers=headers)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def validate_body(body: dict[str, Any], *, client_required: bool = True) -> tuple[str, list[str]]:
    client_id = body.get("clientId")
    subs = body.get("subscriptions")
    # values of the wrong JSON type fail to bind in PocketBase: a plain 400 without field errors
    if client_id is not None and not isinstance(client_id, str):
        raise BadRequestError(INVALID_BODY)
    if subs is not None and not (isinstance(subs, list) and all(isinstance(s, str) for s in subs)):
        raise BadRequestError(INVALID_BODY)
    client_id = client_id or ""
    subs = subs or []
    errors: dict[str, Any] = {}
    if not client_id and client_required:
        errors["clientId"] = field_error("validation_required", "Cannot be blank.")
    elif len(client_id) > 255:
        errors["clientId"] = field_error(
            "validation_length_out_of_range", "The length must be between 1 and 255.", {"max": 255, "min": 1}
        )
    errors.update(subscription_errors(subs))
    if errors:
        raise ValidationError(errors, INVALID_BODY)
    return client_id, subs


async def set_subscriptions(request: Request) -> Response:
    """Runs on the process holding the client's stream, whichever process the POST reached."""
    hub = realtime_hub(request)
    client_id, subs = validate_body(await read_body(request))
    access = await load_access(request)
    args = {"ip": client_ip(request), "subscriptions": subs}
    await on_owner(hub, client_id, "subscribe", args, access.auth)
    return Response(status_code=204)
