"""CORS, behaving like PocketBase's (a port of echo's CORS middleware).

PocketBase's defaults, kept here: every origin is allowed and answered with the literal
`Access-Control-Allow-Origin: *`; allowed methods are GET, HEAD, PUT, PATCH, POST, DELETE; the
requested headers are echoed in pre-flight answers; `Vary: Origin` is always added; and *every*
OPTIONS request is treated as a pre-flight and answered `204` here without reaching the app
(PocketBase does the same, so a plain OPTIONS never gets a 405 from the router).

Origins in a configured list may contain `*` and `?` wildcards (`https://*.example.com`).
Credentials are only ever allowed together with a concrete origin: with `*` in the list and
`allow_credentials=True` the request's origin is reflected instead of `*`, never `*` plus
credentials (browsers reject that, and reflecting is the only working combination).
`Access-Control-Max-Age` is an addition (PocketBase omits it); `max_age=0` omits it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bastion.http.asgi_headers import RawHeaders, Scope, Send, add_vary, get_header

DEFAULT_METHODS = ("GET", "HEAD", "PUT", "PATCH", "POST", "DELETE")

# Longest origin worth running the patterns on: scheme + "://" + a 253-char host + ":port".
_MAX_ORIGIN = 253 + 3 + 5 + 5


def _compile_pattern(origin: str) -> re.Pattern[str]:
    pattern = re.escape(origin).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(f"^{pattern}$")


class CorsPolicy:
    """Which origins, methods and headers are allowed, and the headers that says so."""

    def __init__(
        self,
        allow_origins: Iterable[str] = ("*",),
        allow_methods: Iterable[str] = DEFAULT_METHODS,
        allow_headers: Iterable[str] = (),
        expose_headers: Iterable[str] = (),
        allow_credentials: bool = False,
        max_age: int = 86400,
    ) -> None:
        origins = list(allow_origins) or ["*"]
        self.allow_all = "*" in origins
        self.exact_origins = frozenset(o for o in origins if "*" not in o and "?" not in o)
        self.patterns = [_compile_pattern(o) for o in origins if o != "*" and ("*" in o or "?" in o)]
        self.allow_credentials = allow_credentials
        # With credentials, `*` can't be sent: reflect the origin (see module docstring).
        self.reflect_any = self.allow_all and allow_credentials

        self.allow_methods = ",".join(m.upper() for m in allow_methods).encode("latin-1")
        self.allow_headers = ",".join(allow_headers).encode("latin-1")
        self.expose_headers = ",".join(expose_headers).encode("latin-1")
        self.max_age = str(max_age).encode("ascii") if max_age else b""

    def allowed_origin(self, origin: bytes) -> bytes | None:
        """The Access-Control-Allow-Origin value for `origin`, or None when it is not allowed."""
        if self.reflect_any:
            return origin
        if self.allow_all:
            return b"*"
        text = origin.decode("latin-1")
        if text in self.exact_origins:
            return origin
        if self.patterns and len(text) <= _MAX_ORIGIN and "://" in text:
            for pattern in self.patterns:
                if pattern.match(text):
                    return origin
        return None

    def response_headers(
        self, headers: Iterable[tuple[bytes, bytes]], allow_origin: bytes | None
    ) -> RawHeaders:
        """A (non pre-flight) response's headers with CORS applied: a new list. The app's own
        `Access-Control-*` headers give way to the policy's; `Vary: Origin` is always added."""
        if allow_origin is None:
            out = list(headers)
        else:
            out = [(k, v) for k, v in headers if not k.startswith(b"access-control-")]
            out.append((b"access-control-allow-origin", allow_origin))
            if self.allow_credentials and allow_origin != b"*":
                out.append((b"access-control-allow-credentials", b"true"))
            if self.expose_headers:
                out.append((b"access-control-expose-headers", self.expose_headers))
        add_vary(out, b"Origin")
        return out

    def origin_of(self, scope: Scope) -> bytes | None:
        """The Access-Control-Allow-Origin value for this request, None without an allowed Origin."""
        origin = get_header(scope["headers"], b"origin")
        return self.allowed_origin(origin) if origin else None

    async def preflight(
        self, headers: list[tuple[bytes, bytes]], allow_origin: bytes | None, send: Send
    ) -> None:
        out: list[tuple[bytes, bytes]] = [(b"vary", b"Origin")]
        if allow_origin is not None:
            out[0] = (b"vary", b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
            out.append((b"access-control-allow-origin", allow_origin))
            if self.allow_credentials and allow_origin != b"*":
                out.append((b"access-control-allow-credentials", b"true"))
            out.append((b"access-control-allow-methods", self.allow_methods))
            requested = self.allow_headers or get_header(headers, b"access-control-request-headers")
            if requested:
                out.append((b"access-control-allow-headers", requested))
            if self.max_age:
                out.append((b"access-control-max-age", self.max_age))
        await send({"type": "http.response.start", "status": 204, "headers": out})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
