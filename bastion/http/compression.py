"""Response compression: brotli, zstd (when installed) or gzip, as the client's Accept-Encoding asks.

Left alone: `text/event-stream` (each event must reach the client at once), bodies that already
have a Content-Encoding, 1xx/204/304, partial content, `Cache-Control: no-transform`, types that
don't compress (images, archives…), HEAD requests, and bodies under `minimum_size`. Streamed
bodies are compressed chunk by chunk, each chunk flushed as it goes.

When the client accepts no coding we serve (no Accept-Encoding, the usual case for API clients, or
a HEAD request), nothing is compressed and the only thing this layer would do is add
`Vary: Accept-Encoding` to the answers it could have compressed (`compressible_answer`). The edge
(http/edge.py) then skips this layer: it calls the app inside directly and adds that Vary itself,
which saves a coroutine frame and a send wrapper per request (the request log in between reads no
response headers).

ETags: a strong ETag from upstream becomes weak (`W/"…"`) when the body is re-encoded. A strong
ETag promises byte-identical bodies, which the compressed one is not; a weak one promises the same
meaning, which is exactly true. Weak tags still work for `If-None-Match` (compared weakly, so the
conditional middleware inside this one answers 304), and `conditional.if_match_satisfied` accepts
our own weakened tags on writes. The alternative, a strong tag per coding (`"abc-br"`), would
need every comparison to strip the suffix again and is a known source of missed 304s (Apache).
"""

from __future__ import annotations

import asyncio

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
from bastion.http.compression_codecs import AVAILABLE, Codec, StreamCompressor

_COMPRESSIBLE_TYPES = frozenset(
    {
        b"application/json",
        b"application/javascript",
        b"application/xml",
        b"application/x-ndjson",
        b"application/vnd.msgpack",  # binary, but a record list repeats its keys: it shrinks as JSON does
        b"application/wasm",
        b"image/svg+xml",
        b"font/ttf",
        b"font/otf",
    }
)
_NEGOTIATION_CACHE_SIZE = 512
_THREAD_THRESHOLD = 1 << 20


def is_compressible(content_type: bytes | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(b";", 1)[0].strip().lower()
    if media.startswith(b"text/"):
        return media != b"text/event-stream"
    return media in _COMPRESSIBLE_TYPES or media.endswith((b"+json", b"+xml"))


def compressible_answer(status: int, headers: RawHeaders, minimum_size: int) -> bool:
    """A response start (status, headers) whose body may be compressed: it varies by Accept-Encoding."""
    if status < 200 or status in (204, 206, 304):
        return False
    content_type = None
    for key, value in headers:
        if key == b"content-type":
            content_type = value
        elif key in (b"content-encoding", b"content-range") or (
            key == b"cache-control" and b"no-transform" in value.lower()
        ):
            return False
        elif key == b"content-length":
            try:
                if int(value) < minimum_size:
                    return False
            except ValueError:
                return False
    return is_compressible(content_type)


def choose_codec(accept_encoding: str, codecs: tuple[Codec, ...] = AVAILABLE) -> Codec | None:
    """The best coding the client accepts (highest q, ties by our preference), or None for identity."""
    qvalues = parse_qvalues(accept_encoding)
    star = qvalues.get("*", 0.0)
    best: Codec | None = None
    best_q = 0.0
    for codec in codecs:
        q = qvalues.get(codec.name, star)
        if codec.name == "gzip" and "gzip" not in qvalues:
            q = qvalues.get("x-gzip", q)
        if q > best_q:
            best, best_q = codec, q
    return best


class CompressionMiddleware:
    def __init__(self, app: ASGIApp, minimum_size: int = 860, codecs: tuple[Codec, ...] = AVAILABLE) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.codecs = codecs
        # Clients send few distinct Accept-Encoding values; parse each once.
        self._chosen: dict[bytes, Codec | None] = {}

    def _codec_for(self, accept_encoding: bytes) -> Codec | None:
        try:
            return self._chosen[accept_encoding]
        except KeyError:
            pass
        codec = choose_codec(accept_encoding.decode("latin-1"), self.codecs)
        if len(self._chosen) >= _NEGOTIATION_CACHE_SIZE:
            self._chosen.clear()
        self._chosen[accept_encoding] = codec
        return codec

    def codec_of(self, scope: Scope) -> Codec | None:
        """The coding an HTTP request's answer gets, if it is compressible; None: identity."""
        accept = get_header(scope["headers"], b"accept-encoding")
        return self._codec_for(accept) if accept and scope["method"] != "HEAD" else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _CompressingSend(send, self.codec_of(scope), self.minimum_size))


class _CompressingSend:
    """The send wrapper for one response: decides at the start, then passes or compresses."""

    __slots__ = ("send", "codec", "minimum_size", "start", "stream", "passthrough")

    def __init__(self, send: Send, codec: Codec | None, minimum_size: int) -> None:
        self.send = send
        self.codec = codec
        self.minimum_size = minimum_size
        self.start: Message | None = None
        self.stream: StreamCompressor | None = None
        self.passthrough = False

    async def __call__(self, message: Message) -> None:
        if self.passthrough:
            await self.send(message)
        elif message["type"] == "http.response.start":
            await self._on_start(message)
        elif self.stream is not None:
            await self._on_stream_body(message)
        elif self.start is not None:
            await self._on_first_body(message)
        else:
            await self.send(message)

    async def _on_start(self, message: Message) -> None:
        headers = list(message.get("headers", ()))
        if not compressible_answer(message["status"], headers, self.minimum_size):
            self.passthrough = True
            await self.send(message)
            return
        add_vary(headers, b"Accept-Encoding")
        message["headers"] = headers
        if self.codec is None:
            self.passthrough = True
            await self.send(message)
            return
        self.start = message  # held until the first body chunk shows the size

    async def _on_first_body(self, message: Message) -> None:
        start = self.start
        assert start is not None and self.codec is not None
        self.start = None
        if message["type"] != "http.response.body":
            # e.g. http.response.pathsend: the server sends the file itself, uncompressed.
            self.passthrough = True
            await self.send(start)
            await self.send(message)
            return
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        if not more:
            if len(body) < self.minimum_size:
                self.passthrough = True
                await self.send(start)
                await self.send(message)
                return
            if len(body) >= _THREAD_THRESHOLD:
                # Big bodies take milliseconds to compress: keep the event loop serving others.
                compressed = await asyncio.to_thread(self.codec.compress, body)
            else:
                compressed = self.codec.compress(body)
            start["headers"] = self._encoded_headers(start["headers"], len(compressed))
            await self.send(start)
            await self.send({"type": "http.response.body", "body": compressed, "more_body": False})
            return
        self.stream = self.codec.stream()
        start["headers"] = self._encoded_headers(start["headers"], None)
        await self.send(start)
        if body:
            await self.send(
                {"type": "http.response.body", "body": self.stream.chunk(body), "more_body": True}
            )

    async def _on_stream_body(self, message: Message) -> None:
        stream = self.stream
        assert stream is not None
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        out = stream.chunk(body) if body else b""
        if not more:
            out += stream.finish()
            self.stream = None
            self.passthrough = True  # anything after the last chunk goes through untouched
        elif not out:
            return
        await self.send({"type": "http.response.body", "body": out, "more_body": more})

    def _encoded_headers(self, headers: RawHeaders, length: int | None) -> RawHeaders:
        assert self.codec is not None
        out: RawHeaders = []
        for key, value in headers:
            if key in (b"content-length", b"accept-ranges"):
                continue
            if key == b"etag" and value.startswith(b'"'):
                value = b"W/" + value
            out.append((key, value))
        out.append((b"content-encoding", self.codec.name.encode("ascii")))
        if length is not None:
            out.append((b"content-length", str(length).encode("ascii")))
        return out
