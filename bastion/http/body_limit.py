"""Request body size limit, answered with PocketBase's 413.

PocketBase's default limit is 32 MiB (`apis.DefaultMaxBodySize`); record routes add the sizes of
the collection's file fields to it and the backup upload has none. `limit_for(scope)` lets the app
do the same per request: it returns the limit in bytes for that request, `0` for no limit, or
`None` for the default.

A declared Content-Length over the limit is refused before the body is read (one within it needs
no counting: servers never deliver more than the declared length). A body without one (chunked,
or HTTP/2 without the header) is counted as the app reads it; crossing the limit raises `TooLargeError` from
`receive()`, which the app renders like any ApiError; if it escapes the app before a response
started, this middleware answers the 413 itself.
"""

from __future__ import annotations

from collections.abc import Callable

from bastion.errors import TooLargeError
from bastion.http.asgi_headers import ASGIApp, Message, Receive, Scope, Send, get_header
from bastion.http.errors import error_response

DEFAULT_MAX_BODY_BYTES = 32 << 20
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BODY_HEADERS = frozenset({b"content-length", b"transfer-encoding", b"content-type"})

LimitFor = Callable[[Scope], int | None]


def _nothing_to_limit(scope: Scope) -> bool:
    """A GET, HEAD or OPTIONS with no Content-Length, no Transfer-Encoding and no Content-Type:
    no body the app would read. A body can come without Content-Length (chunked over HTTP/1.1,
    any HTTP/2 request), and a handler reads a GET's body when it names a type (api/context.py
    `read_body`, a hook file's route): such requests keep the limit."""
    if scope["method"] not in _BODYLESS_METHODS:
        return False
    return all(name not in _BODY_HEADERS for name, _ in scope["headers"])


def _accept(scope: Scope) -> str | None:
    accept = get_header(scope["headers"], b"accept")
    return accept.decode("latin-1") if accept is not None else None


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES, limit_for: LimitFor | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limit_for = limit_for

    def passes(self, scope: Scope) -> bool:
        """True when this request has nothing to limit (the edge then calls the app inside
        directly; see http/edge.py): see `_nothing_to_limit`."""
        return _nothing_to_limit(scope)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = get_header(scope["headers"], b"content-length")
        if declared is None and _nothing_to_limit(scope):
            # nothing to refuse or count, and no need to ask `limit_for` (a route lookup)
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        if self.limit_for is not None:
            custom = self.limit_for(scope)
            if custom is not None:
                limit = custom
        if limit <= 0:
            await self.app(scope, receive, send)
            return
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = False  # the server rejects a malformed length itself
            if too_big:
                await error_response(TooLargeError(), _accept(scope))(scope, receive, send)
                return
            # The server never delivers more than the declared length: nothing left to count.
            await self.app(scope, receive, send)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLargeError()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except TooLargeError as err:
            if started:
                raise
            await error_response(err, _accept(scope))(scope, receive, send)
