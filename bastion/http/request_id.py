"""Request ids: one id per request, shared by logs, the response and the handler.

An incoming `X-Request-Id` (set by a load balancer or the client) is kept when it is sane, so a
request can be followed across hops; otherwise a short random one is generated.
"""

from __future__ import annotations

import base64

from bastion.http.asgi_headers import ASGIApp, Message, RawHeaders, Receive, Scope, Send, get_header, state_of
from bastion.http.fast_random import random_bytes

HEADER = b"x-request-id"
MAX_LENGTH = 128


def is_sane_request_id(value: bytes) -> bool:
    """1..128 printable ASCII characters: anything else could smuggle control bytes into logs."""
    if not 0 < len(value) <= MAX_LENGTH:
        return False
    return all(0x20 <= b <= 0x7E for b in value)


def new_request_id() -> str:
    """16 url-safe characters (96 random bits): short enough for logs, unique enough for tracing."""
    return base64.urlsafe_b64encode(random_bytes(12)).decode("ascii")


def assign_request_id(scope: Scope) -> bytes:
    """The request's id (the incoming one when sane, else a new one), stored in
    `scope["state"]["request_id"]`; returns it as the header value to send back."""
    incoming = get_header(scope["headers"], HEADER)
    if incoming is not None and is_sane_request_id(incoming):
        state_of(scope)["request_id"] = incoming.decode("ascii")
        return incoming
    request_id = new_request_id()
    state_of(scope)["request_id"] = request_id
    return request_id.encode("ascii")


def add_request_id(headers: RawHeaders, raw: bytes) -> None:
    """Send the id back, unless the app answered with an id of its own."""
    if get_header(headers, HEADER) is None:
        headers.append((HEADER, raw))


class RequestIdMiddleware:
    """Puts the id in `scope["state"]["request_id"]` and an `X-Request-Id` response header.
    (The stack does the same inside bastion/http/edge.py; this layer is for use on its own.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        raw = assign_request_id(scope)
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                add_request_id(headers, raw)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)
