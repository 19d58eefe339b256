"""When the OTEL_* variables turn traces on (obs/tracing.py), and what happens without the extra."""

from __future__ import annotations

import logging
import sys

import pytest

from bastion.obs import segment_timing, tracing
from tests.conftest import importorskip_or_fail


@pytest.mark.parametrize(
    ("environ", "on"),
    [
        ({}, False),
        ({"OTEL_SERVICE_NAME": "api"}, False),  # naming the service alone exports nothing
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, True),
        ({"OTEL_TRACES_EXPORTER": "console, otlp"}, True),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, False),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "  "}, False),
    ],
)
def test_traces_are_on_only_when_the_standard_variables_ask(environ: dict[str, str], on: bool) -> None:
    assert tracing.wanted(environ) is on


def test_off_by_default_and_every_call_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert tracing.ACTIVE is None
    assert tracing.setup({}) is False
    assert tracing.request_tracer() is None
    payload = {"a": 1}
    assert tracing.with_traceparent(payload) is payload
    with tracing.span("auth") as span, tracing.job_span("k", "id", 1, payload) as job:
        assert span is None and job is None
    headers: dict[str, str] = {}
    tracing.inject(headers)
    assert headers == {}
    assert tracing.current() is None and tracing.traceparent() is None


def test_asked_for_without_the_extra_warns_and_runs_without_traces(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "bastion.obs.tracing_otel", None)  # its import fails
    with caplog.at_level(logging.WARNING, logger="bastion.tracing"):
        assert tracing.setup({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}) is False
    assert tracing.ACTIVE is None
    assert "pip install 'bastion[otel]'" in caplog.text


def test_spans_still_in_the_batch_are_exported_at_shutdown(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long batch delay: nothing leaves before the worker stops, everything leaves when it does."""
    importorskip_or_fail("opentelemetry.sdk", "the bastion[otel] extra is not installed")
    importorskip_or_fail(
        "opentelemetry.proto", "opentelemetry-proto (the receiver's decoder) is not installed"
    )
    from tests.support.otlp_receiver import OtlpReceiver

    collector = OtlpReceiver().start()
    try:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint)
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "60000")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "bastion-unit")
        assert tracing.setup() is True
        try:
            scope = {"method": "GET", "path": "/api/health", "headers": [], "state": {"route": "/api/health"}}
            requests = tracing.request_tracer()
            handle = requests.start(scope, b"unit-1")
            segment_timing.statement(0.001, "SELECT 1", "sqlite")  # the store's seam: a child span
            requests.finish(handle, scope, 200)
            assert collector.spans == []  # still in the batch
        finally:
            tracing.shutdown()
        assert tracing.ACTIVE is None and segment_timing.statement_spans is None
        spans = collector.wait_for(lambda spans: spans if len(spans) == 2 else None, "both spans", timeout=5)
        request = next(s for s in spans if s.name == "GET /api/health")
        statement = next(s for s in spans if s.name == "SELECT")
        assert statement.parent_span_id == request.span_id
        assert request.service == "bastion-unit" and request.attributes["bastion.request_id"] == "unit-1"
    finally:
        collector.stop()
