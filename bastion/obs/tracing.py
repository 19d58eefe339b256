"""OpenTelemetry traces: off unless the standard `OTEL_*` variables ask for them (docs/operations.md).

This module is the cheap half every layer calls: while traces are off (`ACTIVE is None`, the
default) each call is one global read and a None check, and OpenTelemetry is never imported.
`setup()`, run by each worker process as it builds its ASGI app, turns them on when
`OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set or
`OTEL_TRACES_EXPORTER` names `otlp`: it imports `obs/tracing_otel.py` (the SDK, the OTLP/HTTP
exporter and a batch span processor), which needs the `bastion[otel]` extra; a process whose
variables ask for traces without the extra logs one warning and runs without them.

The spans (see docs/operations.md, "Tracing"): the edge layer's request span (`request_tracer`),
a span per database statement (the store reports statements through obs/segment_timing.py, the
seam of the metrics), `span()` around auth and realtime fan-out, `job_span()` per job attempt
(the enqueuing request's `traceparent` travels in the job's payload under `JOB_TRACEPARENT`), and
`inject()` for outgoing requests (webhook deliveries).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bastion.obs.tracing_otel import Tracing

log = logging.getLogger("bastion.tracing")

ACTIVE: Tracing | None = None
"""This process's tracing once `setup()` turned it on; None: traces are off."""

JOB_TRACEPARENT = "_traceparent"
"""The payload key of a job enqueued in a traced request: the request's W3C traceparent."""

EXTRA_MISSING = (
    "OTEL_* variables ask for traces, but OpenTelemetry is not installed: "
    "install Bastion with its otel extra (pip install 'bastion[otel]'); running without traces"
)

_NOOP: AbstractContextManager[Any] = nullcontext()


def wanted(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the standard variables ask for OTLP traces (never when the SDK is disabled or
    the traces exporter is `none`)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = {e.strip().lower() for e in environ.get("OTEL_TRACES_EXPORTER", "").split(",") if e.strip()}
    if exporters:
        return "otlp" in exporters
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    )


def setup(environ: Mapping[str, str] = os.environ) -> bool:
    """Turn traces on in this process when the variables ask for them; True when they are on.
    Each worker process calls it for itself (the exporter's thread and connections are its own)."""
    global ACTIVE
    if ACTIVE is not None:
        return True
    if not wanted(environ):
        return False
    try:
        # a heavy, optional load (~0.2-0.4 s, the bastion[otel] extra): only when asked for
        from bastion.obs import tracing_otel
    except ImportError:
        log.warning(EXTRA_MISSING)
        return False
    ACTIVE = tracing_otel.Tracing.start(environ)
    return True


def on() -> bool:
    """Whether traces are on in this process (to skip preparing a span's attributes)."""
    return ACTIVE is not None


def flush() -> None:
    """Export the spans still waiting in the batch (a worker stopping)."""
    if ACTIVE is not None:
        ACTIVE.flush()


def shutdown() -> None:
    """Flush and stop exporting (tests, and the end of an embedding)."""
    global ACTIVE
    if ACTIVE is not None:
        ACTIVE.shutdown()
        ACTIVE = None


def request_tracer() -> Any:
    """The edge layer's `RequestTracer` (http/edge.py) when traces are on, else None."""
    return ACTIVE.requests if ACTIVE is not None else None


def span(name: str, attributes: Mapping[str, str | int] | None = None) -> AbstractContextManager[Any]:
    """A child span of the current one around a block (auth, realtime fan-out); nothing when
    traces are off or nothing is being traced."""
    if ACTIVE is None:
        return _NOOP
    return ACTIVE.child_span(name, attributes)


def current() -> Any:
    """The current trace context, to start spans under later (a realtime event's fan-out);
    None when traces are off."""
    return ACTIVE.current() if ACTIVE is not None else None


def span_in(
    context: Any, name: str, attributes: Mapping[str, str | int] | None = None
) -> AbstractContextManager[Any]:
    """A span under `context` (from `current()`; None: a new trace) around a block."""
    if ACTIVE is None:
        return _NOOP
    return ACTIVE.span_in(context, name, attributes)


def traceparent() -> str | None:
    """The current span's W3C traceparent, to send along (None: traces off, or no span)."""
    return ACTIVE.traceparent() if ACTIVE is not None else None


def context_from(traceparent: str) -> Any:
    """The trace context a traceparent sent along names (None: traces off, or none sent)."""
    return ACTIVE.context_from(traceparent) if ACTIVE is not None and traceparent else None


def with_traceparent(payload: dict[str, Any]) -> dict[str, Any]:
    """A job's payload, with the current span's traceparent when a traced request enqueues it."""
    if ACTIVE is None:
        return payload
    traceparent = ACTIVE.traceparent()
    return payload if traceparent is None else {**payload, JOB_TRACEPARENT: traceparent}


def job_span(kind: str, job_id: str, attempt: int, payload: Mapping[str, Any]) -> AbstractContextManager[Any]:
    """The span of one job attempt, a child of the request that enqueued it when its payload
    carries that request's traceparent."""
    if ACTIVE is None:
        return _NOOP
    return ACTIVE.job_span(kind, job_id, attempt, payload.get(JOB_TRACEPARENT))


def client_span(name: str, attributes: Mapping[str, str | int]) -> AbstractContextManager[Any]:
    """A client span (an outgoing HTTP request) under the current one; use `inject` inside it."""
    if ACTIVE is None:
        return _NOOP
    return ACTIVE.client_span(name, attributes)


def annotate(span: Any, key: str, value: str | int) -> None:
    """Set an attribute on the span a `with` of this module gave (None when traces are off)."""
    if span is not None:
        span.set_attribute(key, value)


def failed(span: Any, description: str) -> None:
    """Mark the span a `with` of this module gave as failed (None when traces are off)."""
    if span is not None and ACTIVE is not None:
        ACTIVE.failed(span, description)


def inject(headers: dict[str, str]) -> None:
    """Add the current span's `traceparent` (and `tracestate`) to an outgoing request's headers."""
    if ACTIVE is not None:
        ACTIVE.inject(headers)
