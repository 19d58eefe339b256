"""The OpenTelemetry half of the traces, imported only once `tracing.setup()` turns them on.

One `TracerProvider` per process: the resource from the standard variables (`OTEL_SERVICE_NAME`,
`OTEL_RESOURCE_ATTRIBUTES`; the service is `bastion` when neither names it; `process.pid` tells
the workers apart), the sampler from
`OTEL_TRACES_SAMPLER` (the SDK's default: parent-based, always on), a `BatchSpanProcessor`
(`OTEL_BSP_*`) feeding the OTLP/HTTP exporter (`OTEL_EXPORTER_OTLP_*`). The incoming and outgoing
trace context is the W3C `traceparent`/`tracestate` (the propagators of `OTEL_PROPAGATORS`).

Database statements become spans after the fact: the store reports each statement's duration,
text and database as it finishes (obs/segment_timing.py, the metrics' seam), and a span is
recorded with the statement's start and end times under the span current then. Only a statement
inside a traced span is recorded: the job runner's polls and the log writer's batches make none.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from bastion.obs import segment_timing

DEFAULT_SERVICE = "bastion"
_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"))
_PROPAGATED = frozenset((b"traceparent", b"tracestate", b"baggage"))
_QUERY_TEXT_LIMIT = 2048
_W3C = TraceContextTextMapPropagator()
_NOOP: AbstractContextManager[Any] = nullcontext()

Attributes = Mapping[str, str | int]


class RequestSpans:
    """The edge layer's `RequestTracer`: one server span per HTTP request, current while the
    app answers it, a child of the caller's span when the request carries a `traceparent`."""

    __slots__ = ("tracer",)

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    def start(self, scope: dict[str, Any], request_id: bytes) -> tuple[Span, object]:
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _PROPAGATED
        }
        parent = propagate.extract(carrier, context=Context()) if carrier else Context()
        method = scope["method"]
        attributes: dict[str, str] = {
            "http.request.method": method if method in _METHODS else "_OTHER",
            "url.path": scope["path"],
            "url.scheme": scope.get("scheme", "http"),
            "bastion.request_id": request_id.decode("ascii", "replace"),
        }
        if method not in _METHODS:
            attributes["http.request.method_original"] = method
        span = self.tracer.start_span(
            method if method in _METHODS else "HTTP",
            context=parent,
            kind=SpanKind.SERVER,
            attributes=attributes,
        )
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        return span, token

    def finish(self, handle: tuple[Span, object], scope: dict[str, Any], status: int) -> None:
        span, token = handle
        try:
            state = scope.get("state")
            route = state.get("route") if state is not None else None
            if route:
                span.update_name(f"{scope['method']} {route}")
                span.set_attribute("http.route", route)
            if status:
                span.set_attribute("http.response.status_code", status)
            if status >= 500 or status == 0:
                span.set_status(StatusCode.ERROR)
            span.end()
        finally:
            otel_context.detach(token)  # type: ignore[arg-type]  # the token attach() gave start()


class Tracing:
    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer("bastion")
        self.requests = RequestSpans(self.tracer)

    @classmethod
    def start(cls, environ: Mapping[str, str]) -> Tracing:
        resource = Resource.create({"process.pid": os.getpid()})  # which worker, of several
        if str(resource.attributes.get(SERVICE_NAME, "unknown_service")).startswith("unknown_service"):
            resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE}))
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)  # hook files may trace through the global API too
        tracing = cls(provider)
        segment_timing.statement_spans = tracing.statement
        return tracing

    def flush(self) -> None:
        self.provider.force_flush()

    def shutdown(self) -> None:
        if segment_timing.statement_spans == self.statement:
            segment_timing.statement_spans = None
        self.provider.shutdown()

    # ---- spans ------------------------------------------------------------------------------

    def statement(self, seconds: float, sql: str, system: str) -> None:
        """A statement that just finished, as a span under the current one (if any)."""
        if not trace.get_current_span().is_recording():
            return
        end = time.time_ns()
        words = sql.split(None, 1)
        operation = words[0].upper() if words else "SQL"
        span = self.tracer.start_span(
            operation,
            start_time=end - int(seconds * 1e9),
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": system,
                "db.operation.name": operation,
                "db.query.text": sql[:_QUERY_TEXT_LIMIT],
            },
        )
        span.end(end_time=end)

    def child_span(self, name: str, attributes: Attributes | None) -> AbstractContextManager[Any]:
        if not trace.get_current_span().is_recording():
            return _NOOP
        return self.tracer.start_as_current_span(name, attributes=attributes)

    def current(self) -> Context | None:
        return otel_context.get_current() if trace.get_current_span().is_recording() else None

    def span_in(self, context: Any, name: str, attributes: Attributes | None) -> AbstractContextManager[Any]:
        parent = context if isinstance(context, Context) else Context()
        return self.tracer.start_as_current_span(name, context=parent, attributes=attributes)

    def traceparent(self) -> str | None:
        if not trace.get_current_span().is_recording():
            return None
        carrier: dict[str, str] = {}
        _W3C.inject(carrier)
        return carrier.get("traceparent")

    def context_from(self, traceparent: str) -> Context:
        return _W3C.extract({"traceparent": traceparent}, context=Context())

    def job_span(self, kind: str, job_id: str, attempt: int, traceparent: Any) -> AbstractContextManager[Any]:
        parent = Context()
        if isinstance(traceparent, str) and traceparent:
            parent = self.context_from(traceparent)
        return self.tracer.start_as_current_span(
            f"job {kind}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={"bastion.job.kind": kind, "bastion.job.id": job_id, "bastion.job.attempt": attempt},
        )

    def client_span(self, name: str, attributes: Attributes) -> AbstractContextManager[Any]:
        return self.tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes=attributes)

    def failed(self, span: Span, description: str) -> None:
        span.set_status(StatusCode.ERROR, description)

    def inject(self, headers: dict[str, str]) -> None:
        propagate.inject(headers)
