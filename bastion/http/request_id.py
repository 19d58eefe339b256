"""Request ids: one id per request, shared by logs, the response and the handler.

An incoming `X-Request-Id` (set by a load balancer or the client) is kept when it is sane, so a
request can be followed across hops; otherwise a short random one is generated.
"""

from __future__ import annotations

import base64

from bastion.http.asgi_headers import RawHeaders, Scope, get_header, state_of
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
