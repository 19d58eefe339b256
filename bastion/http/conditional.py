"""ETags and conditional requests (an addition: PocketBase sends no ETags).

`ConditionalGetMiddleware` gives GET/HEAD 200 JSON responses (on the paths its predicate accepts,
if it has one) a strong ETag (a hash of the body, unless the app set one) and answers
`If-None-Match` with 304. Bastion wraps the routes its route table marks `etag` in it, one by one
(api/dispatch.py), rather than the whole app: no path is matched twice.
`If-Match` on writes is the handler's job: it hashes the current representation with `etag_for`
and asks `if_match_satisfied`.

Comparison follows RFC 9110: `If-None-Match` compares weakly (`W/"x"` matches `"x"`). For
`If-Match` the RFC asks for strong comparison; we accept `W/"x"` for our `"x"` anyway, because the
only weak tags a client gets from us are our own strong tags weakened by the compression layer
for a different content coding of the very same data (see compression.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from bastion.http.asgi_headers import ASGIApp, Message, RawHeaders, Receive, Scope, Send, get_header

# Headers a 304 keeps (RFC 9110 §15.4.5), besides those the outer middleware add afterwards.
_KEPT_ON_304 = frozenset(
    {b"etag", b"cache-control", b"vary", b"content-location", b"date", b"expires", b"last-modified"}
)


def etag_for(body: bytes) -> str:
    """A strong ETag for a representation: 16 hex digits of its BLAKE2b hash, quoted."""
    return '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith(("W/", "w/")) else tag


def matching_tag(header_value: str, current_etag: str) -> str | None:
    """The entry of an `If-None-Match` list that matches the current ETag (weakly), or None.

    `*` matches any current representation and yields `current_etag` itself.
    """
    value = header_value.strip()
    if value == "*":
        return current_etag
    current = _opaque(current_etag)
    for tag in value.split(","):
        if _opaque(tag) == current:
            return tag.strip()
    return None


def none_match(header_value: str, current_etag: str) -> bool:
    """True when `If-None-Match` matches the current ETag (weak comparison, `*` matches anything)."""
    return matching_tag(header_value, current_etag) is not None


def if_match_satisfied(header_value: str | None, current_etag: str | None) -> bool:
    """Whether a write may proceed under `If-Match` (False means answer 412).

    No header: True. `*`: True when the resource exists (`current_etag` not None). Otherwise
    any listed tag equal to the current one, ignoring a `W/` prefix (see module docstring).
    """
    if header_value is None or not header_value.strip():
        return True
    if current_etag is None:
        return False
    return none_match(header_value, current_etag)


def _is_json(headers: RawHeaders) -> bool:
    ctype = get_header(headers, b"content-type")
    if ctype is None:
        return False
    media = ctype.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


class ConditionalGetMiddleware:
    def __init__(self, app: ASGIApp, path_predicate: Callable[[str], bool] | None = None) -> None:
        self.app = app
        self.path_predicate = path_predicate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if (
            scope["type"] != "http"
            or method not in ("GET", "HEAD")
            or (self.path_predicate is not None and not self.path_predicate(scope["path"]))
        ):
            await self.app(scope, receive, send)
            return

        inm = get_header(scope["headers"], b"if-none-match")
        head = method == "HEAD"
        if head:
            # Run the app as GET so the ETag hashes the real body; the body is dropped below.
            scope = dict(scope, method="GET")
        start: Message | None = None
        chunks: list[bytes] = []
        passthrough = False

        async def buffering_send(message: Message) -> None:
            nonlocal start, passthrough
            if passthrough:
                if head and message["type"] == "http.response.body":
                    message = {
                        "type": "http.response.body",
                        "body": b"",
                        "more_body": message.get("more_body", False),
                    }
                await send(message)
                return
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if message["status"] != 200 or not _is_json(headers):
                    passthrough = True
                    await send(message)
                    return
                message["headers"] = headers
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                # Not a body we can hash (e.g. a file sent by the server): let it through as is.
                passthrough = True
                if start is not None:
                    await send(start)
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._finish(start, b"".join(chunks), inm, head, send)

        await self.app(scope, receive, buffering_send)

    async def _finish(self, start: Message, body: bytes, inm: bytes | None, head: bool, send: Send) -> None:
        headers: RawHeaders = start["headers"]
        etag_raw = get_header(headers, b"etag")
        if etag_raw is None:
            etag = etag_for(body)
            headers.append((b"etag", etag.encode("ascii")))
        else:
            etag = etag_raw.decode("latin-1")
        matched = matching_tag(inm.decode("latin-1"), etag) if inm is not None else None
        if matched is not None:
            # Echo the client's own form of the tag: `W/"x"` when the copy it holds is one our
            # compression layer re-encoded (and weakened), so caches match it to that copy.
            kept = [
                (k, v) if k != b"etag" else (k, matched.encode("latin-1"))
                for k, v in headers
                if k in _KEPT_ON_304
            ]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send(start)
        await send({"type": "http.response.body", "body": b"" if head else body, "more_body": False})
