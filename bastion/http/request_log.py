"""Request logs: the facts PocketBase's activity logger keeps about a request, handed to a sink.

The middleware measures the request, notes the status and, for a failure, the error message and
details, and once the response has been sent calls `await sink.record(facts, scope)`; the sink
(bastion/logs) decides whether to keep the request and stores it. `sink.enabled()` is asked first,
so with logging off a request pays for one attribute lookup.

The error comes from `note_error(scope, message, details)` when the handler layer knew it (the
`guard` wrapper calls it with the ApiError or the internal exception), else from the error JSON
the response carries (PocketBase's `{message, data}` or RFC 9457 `{detail, errors}`), so answers
made by other middleware (413, a CSRF 403) are logged with their message as well.

When the edge (http/edge.py) has skipped the compression layer for a request (the client accepts
no coding we serve), it skips this one too and does its work itself, in its own send wrapper:
the status, the error body (uncompressed, as nothing compresses it) and `finish` once the answer
is sent. Pre-flights are answered by the edge before any of this, so they are not logged either.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

import msgspec

from bastion.http.asgi_headers import ASGIApp, Message, Receive, Scope, Send, state_of

ERROR_STATE = "request_error"
MAX_URL = 3000  # PocketBase cuts the logged URL, referer and user agent at these lengths
MAX_HEADER = 2000
MAX_ERROR_BODY = 64 << 10  # error bodies beyond this are not parsed (ours are tiny)


class RequestFacts(msgspec.Struct):  # a Struct: one is built per request, a dataclass costs 6x more
    method: str
    url: str  # the request URI as sent: raw path and query string
    path: str  # the decoded path
    status: int
    exec_time_ms: float
    finished: float  # wall-clock time the response ended (the log's `created`)
    referer: str
    user_agent: str
    remote_ip: str  # the TCP peer
    user_ip: str  # the client, after trusted proxies
    has_token: bool  # an Authorization header was sent (the sink may resolve who it names)
    error: str | None = None
    details: Any = None


class RequestLogSink(Protocol):
    def enabled(self) -> bool: ...

    async def record(self, facts: RequestFacts, scope: Scope) -> None: ...


def note_error(scope: Scope, message: str, details: Any) -> None:
    """Tell the request log what went wrong, in more detail than the response may show."""
    state_of(scope)[ERROR_STATE] = (message, details)


def cut(value: str, limit: int) -> str:
    return value[:limit] + "..." if len(value) > limit else value


def request_uri(scope: Scope) -> str:
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else scope.get("path", "")
    query = scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


def error_from_body(body: bytes) -> tuple[str | None, Any]:
    """The message and data of an error JSON body, in either of the shapes Bastion renders."""
    try:
        doc = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None, None
    if not isinstance(doc, dict):
        return None, None
    if "detail" in doc and "title" in doc:  # RFC 9457
        return str(doc.get("detail") or ""), doc.get("errors")
    message = doc.get("message")
    return (str(message) if message is not None else None), doc.get("data")


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, sink: RequestLogSink) -> None:
        self.app = app
        self.sink = sink

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.sink.enabled():
            await self.app(scope, receive, send)
            return

        started = time.perf_counter_ns()
        state = state_of(scope)
        status = 0
        error_body: bytearray | None = None

        async def send_watching(message: Message) -> None:
            nonlocal status, error_body
            if message["type"] == "http.response.start":
                status = message["status"]
                if status >= 400 and ERROR_STATE not in state:
                    error_body = bytearray()
            elif (
                error_body is not None
                and message["type"] == "http.response.body"
                and len(error_body) <= MAX_ERROR_BODY
            ):
                error_body += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, receive, send_watching)
        except BaseException:
            if status == 0:
                status = 500
            raise
        finally:
            await self.finish(scope, state, status, started, error_body)

    async def finish(
        self, scope: Scope, state: dict[str, Any], status: int, started: int, error_body: bytearray | None
    ) -> None:
        """Hand the request's facts to the sink once its answer is sent (or failed: status 500).

        `started` is `time.perf_counter_ns()` at the request's start; `error_body` the body of a
        failure that did not `note_error`, as it was sent (up to MAX_ERROR_BODY and a chunk)."""
        facts = self._facts(scope, state, status, started)
        if ERROR_STATE in state:
            facts.error, facts.details = state[ERROR_STATE]
        elif error_body:
            facts.error, facts.details = error_from_body(bytes(error_body))
        try:
            await self.sink.record(facts, scope)
        except Exception:
            # A failing log sink must not turn a served request into an error; report it.
            logging.getLogger("bastion.http").exception("request log sink failed")

    @staticmethod
    def _facts(scope: Scope, state: dict[str, Any], status: int, started: int) -> RequestFacts:
        exec_time_ms = (time.perf_counter_ns() - started) / 1e6  # as Go: whole ns / 1e6
        referer = user_agent = b""
        has_token = False
        for name, value in scope["headers"]:  # one pass: this runs on every request
            if name == b"user-agent":
                user_agent = value
            elif name == b"referer":
                referer = value
            elif name == b"authorization":
                has_token = bool(value.strip())
        client = scope.get("client")
        peer = state.get("peer_ip") or (client[0] if client else "")
        return RequestFacts(
            method=cut(scope["method"].upper(), 50),
            url=cut(request_uri(scope), MAX_URL),
            path=scope.get("path", ""),
            status=status,
            exec_time_ms=exec_time_ms,
            finished=time.time(),
            referer=cut(referer.decode("latin-1"), MAX_HEADER),
            user_agent=cut(user_agent.decode("latin-1"), MAX_HEADER),
            remote_ip=peer,
            user_ip=state.get("client_ip") or peer,
            has_token=has_token,
        )
