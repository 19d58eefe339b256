"""Small helpers shared by the middleware: raw ASGI header lists and per-request state.

ASGI headers are lists of `(name, value)` byte pairs with lower-case names. These helpers work
on them directly, so the hot path never builds a `Headers` object or decodes what it does not read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
RawHeaders = list[tuple[bytes, bytes]]


def get_header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of header `name` (lower-case bytes), or None."""
    for key, value in headers:
        if key == name:
            return value
    return None


def state_of(scope: Scope) -> dict[str, Any]:
    """The per-request `scope["state"]` dict (what starlette's `request.state` wraps), created if absent."""
    state = scope.get("state")
    if state is None:
        state = scope["state"] = {}
    return state


def add_vary(headers: RawHeaders, token: bytes) -> None:
    """Add `token` to the response's Vary header, merging into an existing one.

    One merged Vary header keeps caches and tests simple; a token already present (or `*`)
    is not repeated.
    """
    for i, (key, value) in enumerate(headers):
        if key == b"vary":
            tokens = [t.strip().lower() for t in value.split(b",")]
            if token.lower() in tokens or b"*" in tokens:
                return
            headers[i] = (key, value + b", " + token)
            return
    headers.append((b"vary", token))


def set_header(headers: RawHeaders, name: bytes, value: bytes) -> None:
    """Replace every `name` header with one carrying `value`."""
    headers[:] = [(k, v) for k, v in headers if k != name]
    headers.append((name, value))


def parse_qvalues(header: str) -> dict[str, float]:
    """Parse `a;q=0.5, b, *;q=0` into `{token: q}` (tokens lower-case; bad q values count as 0)."""
    result: dict[str, float] = {}
    for part in header.split(","):
        token, _, params = part.partition(";")
        token = token.strip().lower()
        if not token:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, val = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(val.strip())
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        # The first occurrence wins, as most servers do.
        result.setdefault(token, q)
    return result
