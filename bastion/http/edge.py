"""The edge layer: client address, request id, access log, Server-Timing, security headers and CORS
in one pass.

These five concerns were five middlewares, each wrapping `send` to add its own headers: five
coroutine frames, five closures and four copies of the header list per request, which together
cost a quarter of `/api/health`'s throughput (measured: the pinned server, with and without the
five layers). Here one wrapper applies them at the response start, in the order and with the
precedence the separate layers had, from the inside out:

1. CORS (not for pre-flights, which it answers itself): the app's `Access-Control-*` headers give
   way to the policy's, `Vary: Origin` is added;
2. security headers the app did not set itself;
3. `Server-Timing` with the segments measured so far, when `server_timing_to(scope)` allows it
   (decided at the response start, once the app has resolved the caller);
4. `X-Request-Id` unless the app set one.

The access log counts the status and the bytes that really went out and writes its record when
the response is done, also when the app raised; the request metrics (`RequestObserver`, given by
the app) learn of the request at its start and of its status and duration at the same moment.
The tracer (`RequestTracer`, given by the app when OpenTelemetry traces are on, else None: one
check per request) opens the request's span before the app runs, so that the spans the app makes
are its children, and closes it with the status and the route when the request is done.
Before any of them, the client's real address and scheme are resolved (`ClientResolver`,
http/proxy.py: trusted proxies' forwarding headers), for HTTP and WebSocket requests alike, so
every concern here and every layer inside sees them; a call, not a layer of its own.
Each concern's logic lives in its own module (proxy, request_id, access_log, timing,
security_headers, cors); this module only composes them, and is the only layer that applies them.

Layers inside that would have nothing to do for a request are skipped: each is a coroutine frame
and usually a `send` wrapper, for nothing. When the client accepts no coding we serve, the edge
calls the layer inside compression directly and adds compression's `Vary: Accept-Encoding`
itself (http/compression.py). If that is the request log, its work is done here too, in this
wrapper and at the end, in the same place it had (after compression, which did nothing; never
for pre-flights); then the layers the stack marks `skippable` (body limit, cookie sessions), in
nesting order, are skipped while each `passes(scope)`: no body to limit, no cookie to read or
set. For every other request each layer runs as a layer. Measured in-process (bench/inprocess.py's
requests, both variants in one process, 60 alternating batches): the compression skip -5.6 % CPU
on `/api/health` and on an anonymous record view, the request log and the skips after it a
further -5.5 % on health.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from bastion.http.access_log import AccessLogger
from bastion.http.asgi_headers import ASGIApp, Message, Receive, Scope, Send, add_vary, state_of
from bastion.http.compression import CompressionMiddleware, compressible_answer
from bastion.http.cors import CorsPolicy
from bastion.http.proxy import ClientResolver
from bastion.http.request_id import add_request_id, assign_request_id
from bastion.http.request_log import ERROR_STATE, MAX_ERROR_BODY, RequestLogMiddleware
from bastion.http.security_headers import add_security_headers, https_defaults, security_defaults
from bastion.http.timing import HEADER as TIMING_HEADER
from bastion.http.timing import Timings


class RequestObserver(Protocol):
    """Told of every HTTP request (Bastion: its metrics); both calls must cost well under 1 µs."""

    def started(self) -> None: ...

    def finished(self, scope: Scope, status: int, seconds: float) -> None: ...


class RequestTracer(Protocol):
    """Opens a span per HTTP request (Bastion: obs/tracing_otel.py) and closes it at the end."""

    def start(self, scope: Scope, request_id: bytes) -> object: ...

    def finish(self, handle: Any, scope: Scope, status: int) -> None: ...


class SkippableLayer(Protocol):
    """A layer that can tell, from the request alone, that it would only call `app` unchanged."""

    app: ASGIApp

    def passes(self, scope: Scope) -> bool: ...

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        cors: CorsPolicy,
        *,
        access_log: AccessLogger | None = None,
        server_timing: bool = True,
        server_timing_to: Callable[[Scope], bool] | None = None,
        hsts: bool = True,
        alt_svc: bytes = b"",
        observer: RequestObserver | None = None,
        tracer: RequestTracer | None = None,
        client: ClientResolver | None = None,
        compression: CompressionMiddleware | None = None,
        request_log: RequestLogMiddleware | None = None,
        skippable: Sequence[SkippableLayer] = (),
    ) -> None:
        self.app = app
        self.compression = compression
        self.request_log = request_log
        self.skippable = tuple(skippable)
        self.client = client
        self.cors = cors
        self.access_log = access_log
        self.server_timing = server_timing
        self.server_timing_to = server_timing_to
        self.hsts = hsts
        self.https_defaults = https_defaults(hsts, alt_svc)
        self.observer = observer
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "websocket":
                if self.client is not None:
                    self.client.resolve(scope)
                assign_request_id(scope)  # WebSocket handlers log with it too
            await self.app(scope, receive, send)
            return

        if self.client is not None:
            self.client.resolve(scope)
        raw_id = assign_request_id(scope)
        tracer = self.tracer
        traced = tracer.start(scope, raw_id) if tracer is not None else None
        timings: Timings | None = None
        if self.server_timing:
            timings = state_of(scope)["timings"] = Timings()
        log = self.access_log if self.access_log is not None and self.access_log.wanted() else None
        observer = self.observer
        if log is not None:
            started_wall = time.time()
        if log is not None or observer is not None:
            started = time.perf_counter()
        if observer is not None:
            observer.started()
        timing_to = self.server_timing_to if timings is not None else None
        cors = self.cors
        allow_origin = cors.origin_of(scope)
        preflight = scope["method"] == "OPTIONS"
        defaults = security_defaults(scope, self.https_defaults)
        app = self.app
        compression = self.compression
        identity_min: int | None = None  # compression is skipped: its Vary is added here
        if compression is not None and not preflight and compression.codec_of(scope) is None:
            app = compression.app
            identity_min = compression.minimum_size
        request_log = self.request_log
        log_state: dict[str, Any] | None = None  # the request log's work is done here
        if request_log is not None and not preflight and app is request_log:
            app = request_log.app
            if request_log.sink.enabled():
                log_state = state_of(scope)
                log_started = time.perf_counter_ns()
            for layer in self.skippable:  # in nesting order: each may be the app inside the last
                if app is layer and layer.passes(scope):
                    app = layer.app
        error_body: bytearray | None = None
        status = 0
        sent = 0

        async def edge_send(message: Message) -> None:
            nonlocal status, sent, error_body
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
                if log_state is not None and status >= 400 and ERROR_STATE not in log_state:
                    error_body = bytearray()
                if preflight:
                    headers = list(message.get("headers", ()))
                else:
                    headers = message.get("headers", ())
                    if identity_min is not None and compressible_answer(status, headers, identity_min):
                        headers = list(headers)
                        add_vary(headers, b"Accept-Encoding")  # as compression would have
                    headers = cors.response_headers(headers, allow_origin)
                add_security_headers(headers, defaults)
                if timing_to is not None and timings is not None and timing_to(scope):
                    headers.append((TIMING_HEADER, timings.header_value().encode("ascii", "replace")))
                add_request_id(headers, raw_id)
                message["headers"] = headers
            elif kind == "http.response.body":
                body = message.get("body", b"")
                sent += len(body)
                if error_body is not None and len(error_body) <= MAX_ERROR_BODY:
                    error_body += body
            await send(message)

        try:
            if preflight:
                # every OPTIONS request is a pre-flight, answered here (see cors.py)
                await cors.preflight(scope["headers"], allow_origin, edge_send)
            else:
                await app(scope, receive, edge_send)
        except BaseException:
            # The server will answer 500 if nothing was sent yet; log what the client gets.
            if status == 0:
                status = 500
            raise
        finally:
            try:
                if log_state is not None and request_log is not None:
                    await request_log.finish(scope, log_state, status, log_started, error_body)
            finally:
                if traced is not None and tracer is not None:
                    tracer.finish(traced, scope, status)
                if log is not None or observer is not None:
                    took = time.perf_counter() - started
                    if observer is not None:
                        observer.finished(scope, status, took)
                    if log is not None:
                        log.emit(scope, started_wall, took, status, sent)
