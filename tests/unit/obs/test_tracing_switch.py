"""When the OTEL_* variables turn traces on (obs/tracing.py), and what happens without the extra."""

from __future__ import annotations

import logging
import sys

import pytest

from bastion.obs import tracing


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


def test_off_by_default_and_every_call_is_a_no_op() -> None:
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
