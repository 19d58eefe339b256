"""MessagePack next to JSON: the answer's media type chosen from the request's Accept header.

An addition (PocketBase answers JSON only). The handlers keep producing JSON; on the routes the
app marks (Bastion: the route table's `negotiated`, applied by api/dispatch.py route by route, as
the conditional layer is) `MediaNegotiation` answers:

- JSON, untouched, when Accept is absent or ranks JSON at least as high as MessagePack (JSON wins
  ties, so `*/*` and `application/*` mean JSON);
- MessagePack when Accept ranks one of `MSGPACK_TYPES` higher: each `application/json` body the
  route answers (errors too, in the same `{status, message, data}` shape) is decoded and encoded
  again with msgspec, so it decodes to exactly the value the JSON answer decodes to;
- 406 (PocketBase's error shape, in JSON) when Accept admits neither.

Every answer of a negotiated route carries `Vary: Accept`: the app inside adds `VARY_ACCEPT` to
its own answers (Bastion's api/dispatch.py, on the response object, which costs less than a
`send` wrapper on every JSON answer), this layer to those it makes. The canonical type is
`application/vnd.msgpack` (registered with IANA in May 2024); `application/msgpack` and
`application/x-msgpack`, which clients have long sent, are accepted as aliases, and answers say
`application/vnd.msgpack`.

The conditional layer runs inside this one, so ETags are hashed on the JSON body; a MessagePack
answer carries that tag weakened (`W/"…"`), as the compression layer does for another coding of
the same data: `If-None-Match` compares weakly and `If-Match` accepts our weakened tags
(http/conditional.py), so a tag a MessagePack client holds works on writes. A HEAD runs as a GET
inside, so its Content-Length is the MessagePack body's.

Protocol Buffers (`application/x-protobuf`, alias `application/protobuf`) is offered only by the
routes given a `ProtobufEncoder` (Bastion: the record routes, whose message types are built per
collection by the api layer, api/protobuf_schema.py): when Accept ranks it above JSON and
MessagePack, a 2xx JSON answer is decoded and handed to the encoder, which returns the message's
bytes and its Content-Type. Errors and other answers pass through as they are (JSON): an error has
no collection message type, and every client can read its status. An answer the encoder cannot
write (`CannotEncode`) is JSON when Accept takes JSON, else 406. On the other routes protobuf counts
as not offered, so Accept admitting only it is 406 there.

Request bodies are the body reader's business (api/context.py `read_body`), by Content-Type.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

import msgspec

from bastion.errors import NotAcceptableError
from bastion.http.asgi_headers import (
    ASGIApp,
    Message,
    RawHeaders,
    Receive,
    Scope,
    Send,
    add_vary,
    get_header,
    parse_qvalues,
)
from bastion.http.errors import error_response

MSGPACK = "application/vnd.msgpack"
MSGPACK_TYPES = frozenset({MSGPACK, "application/msgpack", "application/x-msgpack"})
_MSGPACK_BYTES = MSGPACK.encode("ascii")
_JSON_BYTES = b"application/json"
PROTOBUF = "application/x-protobuf"
PROTOBUF_TYPES = frozenset({PROTOBUF, "application/protobuf"})
VARY_ACCEPT = (b"vary", b"Accept")
"""The header the wrapped app must add to its answers: the JSON path passes them through untouched."""
_CACHE_SIZE = 256


class Media(Enum):
    JSON = "json"
    MSGPACK = "msgpack"
    PROTOBUF = "protobuf"
    NONE = "none"  # none offered: 406


class CannotEncode(Exception):
    """The encoder has no message for this answer (a value its field type cannot hold)."""


ProtobufEncoder = Callable[[Scope, Any], tuple[bytes, bytes]]
"""(the routed scope, the JSON answer decoded) -> (the message's bytes, its Content-Type)."""


def _q_for(qvalues: dict[str, float], exact: tuple[str, ...], suffix: str = "") -> float:
    """The q of the most specific range naming the type (RFC 9110 §12.5.1): the type itself (or
    an alias), else `application/*`, else `*/*`; 0 when none does."""
    named = [q for token, q in qvalues.items() if token in exact or (suffix and token.endswith(suffix))]
    if named:
        return max(named)
    for wildcard in ("application/*", "*/*"):
        if wildcard in qvalues:
            return qvalues[wildcard]
    return 0.0


def choose_media(accept: str | None, protobuf: bool = False) -> tuple[Media, bool]:
    """The media type to answer in for this Accept header, and whether JSON is acceptable at all
    (the fallback when a value cannot be written as MessagePack or protobuf). `protobuf`: the
    route offers it.

    `+json` types (`application/problem+json`) count as JSON: the error renderer answers them.
    JSON wins ties, then MessagePack.
    """
    if not accept or not accept.strip():
        return Media.JSON, True
    qvalues = parse_qvalues(accept)
    q_json = _q_for(qvalues, ("application/json",), "+json")
    q_msgpack = _q_for(qvalues, tuple(MSGPACK_TYPES))
    if protobuf:
        q_protobuf = _q_for(qvalues, tuple(PROTOBUF_TYPES))
        if q_protobuf > q_json and q_protobuf > q_msgpack:
            return Media.PROTOBUF, q_json > 0.0
    if q_msgpack > q_json:
        return Media.MSGPACK, q_json > 0.0
    if q_json > 0.0:
        return Media.JSON, True
    return Media.NONE, False


class MediaNegotiation:
    """Wraps one route's app (its handler, or the conditional layer around it); see the module docstring."""

    __slots__ = ("app", "_chosen", "protobuf")

    def __init__(self, app: ASGIApp, protobuf: ProtobufEncoder | None = None) -> None:
        self.app = app
        self.protobuf = protobuf
        # Clients send few distinct Accept values (shared by every instance): parse each once.
        self._chosen = _CHOSEN if protobuf is None else _CHOSEN_PROTOBUF

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        accept = get_header(scope["headers"], b"accept")
        if accept is None:
            await self.app(scope, receive, send)  # JSON; the app adds Vary: Accept (VARY_ACCEPT)
            return
        chosen = self._chosen.get(accept)
        if chosen is None:
            chosen = choose_media(accept.decode("latin-1"), self.protobuf is not None)
            if len(self._chosen) >= _CACHE_SIZE:
                self._chosen.clear()
            self._chosen[accept] = chosen
        media, json_ok = chosen
        if media is Media.JSON:
            await self.app(scope, receive, send)
        elif media is Media.MSGPACK:
            await _TranscodedAnswer(self.app, scope, json_ok, _to_msgpack).run(receive, send)
        elif media is Media.PROTOBUF and self.protobuf is not None:
            await _TranscodedAnswer(self.app, scope, json_ok, self.protobuf).run(receive, send)
        else:
            offered = "application/json, " + MSGPACK + (" or " + PROTOBUF if self.protobuf else "")
            err = NotAcceptableError("The requested resource is only available as " + offered + ".")
            await error_response(err)(scope, receive, _vary_accept(send))


_CHOSEN: dict[bytes, tuple[Media, bool]] = {}
_CHOSEN_PROTOBUF: dict[bytes, tuple[Media, bool]] = {}
_encoder = msgspec.msgpack.Encoder()


def _to_msgpack(_scope: Scope, value: Any) -> tuple[bytes, bytes]:
    try:
        return _encoder.encode(value), _MSGPACK_BYTES
    except OverflowError:  # an int beyond 64 bits (a json field may hold one) has no MessagePack form
        raise CannotEncode() from None


def _vary_accept(send: Send) -> Send:
    async def send_with_vary(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            add_vary(headers, b"Accept")
            message["headers"] = headers
        await send(message)

    return send_with_vary


def _is_plain_json(content_type: bytes | None) -> bool:
    # problem+json is what a client asked for by name: it stays as it is
    return content_type is not None and content_type.split(b";", 1)[0].strip().lower() == b"application/json"


class _TranscodedAnswer:
    """One request answered in MessagePack or protobuf: JSON bodies are held, transcoded and
    sent. MessagePack transcodes errors too; protobuf only 2xx answers (module docstring)."""

    __slots__ = ("app", "scope", "head", "json_ok", "encode", "start", "chunks", "passthrough", "send")

    def __init__(self, app: ASGIApp, scope: Scope, json_ok: bool, encode: ProtobufEncoder) -> None:
        self.app = app
        self.encode = encode
        self.head = scope["method"] == "HEAD"
        # a HEAD runs as a GET so that the body can be transcoded and its length told
        self.scope = dict(scope, method="GET") if self.head else scope
        self.json_ok = json_ok
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.passthrough = False

    async def run(self, receive: Receive, send: Send) -> None:
        self.send = send
        await self.app(self.scope, receive, self._on_message)

    async def _on_message(self, message: Message) -> None:
        if self.passthrough:
            if self.head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await self.send(message)
            return
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            add_vary(headers, b"Accept")
            message["headers"] = headers
            status = message["status"]
            errors_pass = self.encode is not _to_msgpack and not 200 <= status < 300
            if (
                errors_pass
                or status in (204, 304)
                or not _is_plain_json(get_header(headers, b"content-type"))
            ):
                self.passthrough = True
                await self.send(message)
                return
            self.start = message
            return
        if self.start is None or message["type"] != "http.response.body":
            self.passthrough = True
            if self.start is not None:
                await self.send(self.start)
            await self.send(message)
            return
        self.chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        await self._finish(b"".join(self.chunks))

    async def _finish(self, json_body: bytes) -> None:
        start = self.start
        assert start is not None
        try:
            body, ctype = self.encode(self.scope, msgspec.json.decode(json_body))
        except (msgspec.DecodeError, CannotEncode):
            if not self.json_ok:
                scope = dict(self.scope, method="HEAD" if self.head else "GET")
                wanted = MSGPACK if self.encode is _to_msgpack else PROTOBUF
                err = NotAcceptableError("The answer cannot be written as " + wanted + ".")
                await error_response(err)(scope, _no_body, _vary_accept(self.send))
                return
            body, ctype = json_body, _JSON_BYTES
        headers: RawHeaders = []
        for key, value in start["headers"]:
            if key == b"content-length":
                continue
            if key == b"content-type":
                value = ctype
            elif key == b"etag" and value.startswith(b'"') and ctype is not _JSON_BYTES:
                value = b"W/" + value  # the same data, not the same bytes (module docstring)
            headers.append((key, value))
        headers.append((b"content-length", str(len(body)).encode("ascii")))
        start["headers"] = headers
        await self.send(start)
        await self.send(
            {"type": "http.response.body", "body": b"" if self.head else body, "more_body": False}
        )


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
