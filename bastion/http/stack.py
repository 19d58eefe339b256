"""The middleware stack around the app, in one place, in one order.

From the outside in:

1-6. the edge (bastion/http/edge.py), six concerns applied by one layer for speed, in this order:
   1. proxy (http/proxy.py's `ClientResolver`, called first): so every later concern and layer
      sees the real client address and scheme (the access log's `remote_ip`, HSTS only over
      https, rate limits).
   2. request id: before logging, so the access line and every log the app writes carry it, and
      before anything can answer, so even a CORS pre-flight or a 413 gets an `X-Request-Id`.
   3. access log: outside everything that can answer on its own (CORS, body limit, 304), so those
      answers are logged too, with the status and bytes the client really got (compressed size).
   4. timing: inside the log so the log can copy its segments; outside the rest so `total` covers
      them. The header goes only where `server_timing_to` allows (Bastion: superusers).
   5. security headers: outside CORS and compression so pre-flights, 304s and 413s get them too.
   6. CORS: pre-flights are answered here, before compression and body limits have anything to
      do; it adds its headers and `Vary: Origin` to everything that passes.
7. compression: outside the body limit and the conditional layer so their small error and 304
   answers pass untouched (too small, or no body), and so ETags reach it already computed on the
   identity body, to be weakened when the body is re-encoded. When the client accepts no coding
   we serve, the edge skips this layer (calls the one inside directly) and adds the
   `Vary: Accept-Encoding` it would have added: the request log between them reads no response
   headers, so nothing else can tell (http/compression.py).
8. request log (PocketBase's `_logs`): inside compression so it reads error bodies uncompressed,
   inside CORS so pre-flights are not logged (PocketBase does not log them either), outside
   the body limit and cookie sessions so their 413s and 403s are logged. When the edge skips
   compression, it does the request log's work itself (its send wrapper is the one right
   outside the layer, as compression's was), and calls the body limit directly.
9. body limit: refuses oversized requests before the app or the ETag buffer do any work.
   Skipped by the edge, when it did 8's work, if it `passes`: no Content-Length, bodiless method.
10. cookie sessions: inside compression so the auth answers it adds cookies to are plain JSON,
   and inside the body limit and CORS so its 403s and its logout answer pass through them.
   Skipped by the edge, when it skipped 9, if it `passes`: no Cookie or opt-in header, not logout.
11. conditional GET: innermost, it needs the app's uncompressed JSON to hash and compare. Not a
   layer of this stack: the app applies it to the routes that want it (Bastion: api/dispatch.py,
   for the routes its route table marks `etag`). Media negotiation (JSON or MessagePack,
   http/media_negotiation.py) is applied the same way, just outside it, so ETags hash the JSON
   and every layer of this stack but the request log and cookie sessions' token reading sees
   bytes it need not understand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bastion.http.access_log import AccessLogger
from bastion.http.asgi_headers import ASGIApp, Scope
from bastion.http.body_limit import DEFAULT_MAX_BODY_BYTES, BodyLimitMiddleware, LimitFor
from bastion.http.compression import CompressionMiddleware
from bastion.http.cookie_session import CookieSessionMiddleware, SessionRoute
from bastion.http.cors import CorsPolicy
from bastion.http.edge import EdgeMiddleware, RequestObserver, RequestTracer, SkippableLayer
from bastion.http.proxy import ClientResolver, SettingsSource
from bastion.http.request_log import RequestLogMiddleware, RequestLogSink


@dataclass(slots=True)
class HttpSettings:
    allowed_origins: list[str] = field(default_factory=lambda: ["*"])
    """CORS origins; `*` (PocketBase's default) allows all. Wildcards: `https://*.example.com`."""
    cors_allow_credentials: bool = False
    """Send `Access-Control-Allow-Credentials: true` (only ever with a concrete origin)."""
    cors_max_age: int = 86400
    """Seconds a browser may cache a pre-flight answer; 0 omits the header (as PocketBase does)."""
    trusted_proxies: list[str] = field(default_factory=list)
    """IPs / CIDRs whose Forwarded / X-Forwarded-* headers are believed; `*` trusts every peer."""
    trusted_proxy_settings: SettingsSource | None = None
    """PocketBase's `trustedProxy` settings (header names, leftmost or not), read per request."""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """Request body limit (PocketBase: 32 MiB); 0 disables it."""
    body_limit_for: LimitFor | None = None
    """Per-request limit (e.g. record routes with file fields); see body_limit.py."""
    compression: bool = True
    compression_min_size: int = 860
    """Bodies smaller than this are sent as they are: compressing them costs more than it saves."""
    hsts: bool = True
    """Send Strict-Transport-Security on https requests."""
    alt_svc: bytes = b""
    """The `Alt-Svc` value https answers carry (the HTTP/3 listener's, e.g. `h3=":8443"; ma=86400`);
    empty: none."""
    server_timing: bool = True
    """Measure segments (the access log copies them)."""
    server_timing_to: Callable[[Scope], bool] | None = None
    """Which responses carry the `Server-Timing` header: called with the request's scope when the
    response starts. None: none do. `db`/`auth` durations are a timing oracle (a password check,
    a row that exists), so Bastion sends them to superusers only (api/asgi.py)."""
    access_log: bool = True
    on_request_complete: Callable[[dict[str, Any]], None] | None = None
    """Called with each access record, e.g. to store request logs."""
    request_log: RequestLogSink | None = None
    """Where each request's log facts go (bastion/logs: PocketBase's `_logs`); None: not logged."""
    cookie_sessions: bool = True
    """Accept the `bastion_session` cookie (with CSRF checks) next to bearer tokens; see docs/sessions.md."""
    session_route: SessionRoute | None = None
    """Which routes may set the session cookies (sign-in answers); None: none do."""
    observer: RequestObserver | None = None
    """Told of each request's start and of its status and duration (Bastion: the metrics)."""
    tracer: RequestTracer | None = None
    """Opens and closes a span per request (Bastion: OpenTelemetry, when traces are on)."""


def build_middleware_stack(app: ASGIApp, settings: HttpSettings | None = None) -> ASGIApp:
    """Wrap `app` in Bastion's HTTP middleware, in the order the module docstring explains."""
    s = settings or HttpSettings()
    wrapped: ASGIApp = app
    skippable: list[SkippableLayer] = []  # from the outside in
    if s.cookie_sessions:
        wrapped = cookies = CookieSessionMiddleware(wrapped, s.session_route)
        skippable.insert(0, cookies)
    if s.max_body_bytes > 0 or s.body_limit_for is not None:
        wrapped = body_limit = BodyLimitMiddleware(wrapped, s.max_body_bytes, s.body_limit_for)
        skippable.insert(0, body_limit)
    request_log = None
    if s.request_log is not None:
        wrapped = request_log = RequestLogMiddleware(wrapped, s.request_log)
    compression = None
    if s.compression:
        wrapped = compression = CompressionMiddleware(wrapped, minimum_size=s.compression_min_size)
    access_log = None
    if s.access_log or s.on_request_complete is not None:
        access_log = AccessLogger(on_complete=s.on_request_complete)
    wrapped = EdgeMiddleware(
        wrapped,
        CorsPolicy(
            allow_origins=s.allowed_origins,
            allow_credentials=s.cors_allow_credentials,
            max_age=s.cors_max_age,
        ),
        access_log=access_log,
        server_timing=s.server_timing,
        server_timing_to=s.server_timing_to,
        hsts=s.hsts,
        alt_svc=s.alt_svc,
        observer=s.observer,
        tracer=s.tracer,
        client=ClientResolver(s.trusted_proxies, s.trusted_proxy_settings),
        compression=compression,
        request_log=request_log,
        skippable=skippable,
    )
    return wrapped
