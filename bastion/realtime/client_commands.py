"""The WebSocket transport's client messages: auth, subscribe, unsubscribe, ping.

Each client message is a JSON object with a `type` and an optional `id` the reply echoes, so a
client can match replies to requests. Replies are `{"type": "ok", …}`, `{"type": "pong"}` or
`{"type": "error", "status", "message", "data"}` (PocketBase's error fields). Nothing here touches
the socket: the transport passes text in and sends the reply out (docs/realtime.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from bastion.errors import ApiError, BadRequestError, ValidationError
from bastion.realtime.client_registry import ClientRegistry
from bastion.realtime.client_state import RealtimeClient
from bastion.realtime.subscription_validation import subscription_errors

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()
INVALID_MESSAGE = "Invalid message: expected a JSON object with a known type."
# binds a token's auth record to the client ("" signs out); raises UnauthorizedError when invalid
Authenticate = Callable[[RealtimeClient, str], Awaitable[None]]


def _subscription_list(msg: dict[str, Any], required: bool) -> list[str] | None:
    subs = msg.get("subscriptions")
    if subs is None and not required:
        return None
    if isinstance(subs, str):
        subs = [subs]
    if not isinstance(subs, list) or not all(isinstance(s, str) for s in subs):
        raise BadRequestError("subscriptions must be a list of strings.")
    errors = subscription_errors(subs)
    if errors:
        raise ValidationError(errors, BadRequestError.default_message)
    return subs


def _auth_summary(client: RealtimeClient) -> dict[str, str] | None:
    if client.auth is None:
        return None
    return {"collectionName": client.auth.collection.name, "id": client.auth.id}


async def handle(
    registry: ClientRegistry, client: RealtimeClient, raw: str | bytes, authenticate: Authenticate
) -> bytes:
    """Apply one client message and return the encoded reply."""
    msg_id: Any = None
    try:
        try:
            msg = _decoder.decode(raw)
        except (
            msgspec.DecodeError,
            UnicodeDecodeError,
            RecursionError,
        ):  # RecursionError: JSON nested too deep
            raise BadRequestError(INVALID_MESSAGE) from None
        if not isinstance(msg, dict):
            raise BadRequestError(INVALID_MESSAGE)
        msg_id = msg.get("id")
        reply = await _apply(registry, client, msg, authenticate)
    except ApiError as err:
        reply = {"type": "error", **err.to_dict()}
    if msg_id is not None:
        reply["id"] = msg_id
    return _encoder.encode(reply)


async def _apply(
    registry: ClientRegistry, client: RealtimeClient, msg: dict[str, Any], authenticate: Authenticate
) -> dict[str, Any]:
    kind = msg.get("type")
    if kind == "ping":
        return {"type": "pong"}
    if kind == "auth":
        token = msg.get("token")
        if token is not None and not isinstance(token, str):
            raise BadRequestError("token must be a string.")
        await authenticate(client, token or "")
        return {"type": "ok", "auth": _auth_summary(client)}
    if kind == "subscribe":
        registry.add_subscriptions(client, _subscription_list(msg, required=True) or [])
        return {"type": "ok", "subscriptions": list(client.subscriptions)}
    if kind == "unsubscribe":
        registry.remove_subscriptions(client, _subscription_list(msg, required=False))
        return {"type": "ok", "subscriptions": list(client.subscriptions)}
    raise BadRequestError(INVALID_MESSAGE)
