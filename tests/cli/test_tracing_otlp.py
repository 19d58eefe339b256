"""OpenTelemetry traces from a real `bastion serve`, configured by the standard OTEL_* variables,
exported by the real OTLP/HTTP exporter to an in-process receiver (tests/support/otlp_receiver.py)
that decodes the protobuf requests.

One server with two workers, one traced write: the request span (route, status, request id) is a child of the
caller's `traceparent`; its database statements and the auth check are its children, and so is
the realtime fan-out of its record event to a subscriber; the webhook
the write enqueued runs as a job span in the same trace, and its delivery carries a `traceparent`
of that trace to the receiver. Both workers export spans, each through its own provider."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

import httpx

from bastion.cli.superusers import upsert_superuser
from bastion.config import Config
from tests.conftest import importorskip_or_fail
from tests.support.serve_process import serving
from tests.support.sse_stream import SseStream

EMAIL, PASSWORD = "root@example.com", "tracing-pass-1234"


def _one(spans: list[Any], name: str | None = None, request_id: str | None = None) -> Any:
    """The first span of that name, or of that request id."""
    for span in spans:
        if (name is None or span.name == name) and (
            request_id is None or span.attributes.get("bastion.request_id") == request_id
        ):
            return span
    return None


def test_a_traced_write_exports_its_request_db_job_and_webhook_spans(tmp_path: Path) -> None:
    importorskip_or_fail("opentelemetry.sdk", "the bastion[otel] extra is not installed")
    importorskip_or_fail(
        "opentelemetry.proto", "opentelemetry-proto (the receiver's decoder) is not installed"
    )
    importorskip_or_fail(
        "standardwebhooks", "standardwebhooks (the webhook receiver's verifier) is not installed"
    )
    from tests.support.otlp_receiver import CLIENT, CONSUMER, SERVER, OtlpReceiver
    from tests.support.webhook_receiver import WebhookReceiver

    data = tmp_path / "data"
    asyncio.run(upsert_superuser(Config(data_dir=data), EMAIL, PASSWORD))  # in-process: 3 s less
    collector = OtlpReceiver().start()
    hooks = WebhookReceiver().start()
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "BASTION_WEBHOOKS_ALLOW_PRIVATE": "true",
    }
    try:
        with (
            serving(data, args=("--workers", "2"), env=env) as (_, base),
            httpx.Client(base_url=base) as http,
        ):
            token = http.post(
                "/api/collections/_superusers/auth-with-password",
                json={"identity": EMAIL, "password": PASSWORD},
            ).json()["token"]
            su = {"Authorization": token}
            r = http.post(
                "/api/collections",
                headers=su,
                json={
                    "name": "posts",
                    "listRule": "",
                    "viewRule": "",
                    "fields": [{"name": "title", "type": "text"}],
                },
            )
            assert r.status_code == 200, r.text
            r = http.post(
                "/api/collections/_webhooks/records",
                headers=su,
                json={"name": "t", "url": hooks.url, "active": True},
            )
            assert r.status_code == 200, r.text
            hooks.secret = r.json()["secret"]

            stream = SseStream(base)  # a realtime subscriber: the write's event is fanned out to it
            assert stream.subscribe(http, "posts").status_code == 204

            caller_trace, caller_span = secrets.token_hex(16), secrets.token_hex(8)
            r = http.post(
                "/api/collections/posts/records",
                headers={
                    **su,
                    "traceparent": f"00-{caller_trace}-{caller_span}-01",
                    "X-Request-Id": "traced-write-1",
                },
                json={"title": "hello"},
            )
            assert r.status_code == 200, r.text

            assert [name for name, _ in stream.wait_for(1)] == ["posts"]
            stream.close()

            # the webhook's receiver is told the trace: its spans can join it
            delivery = hooks.wait_for(1)[0]
            version, trace_id, parent_id, _flags = delivery.headers["traceparent"].split("-")
            assert (version, trace_id) == ("00", caller_trace)

            request = collector.wait_for(
                lambda spans: _one(spans, request_id="traced-write-1"), "the request span"
            )
            assert request.name == "POST /api/collections/{collection}/records"
            assert request.kind == SERVER
            assert request.service == "bastion"  # OTEL_SERVICE_NAME's default
            assert (request.trace_id, request.parent_span_id) == (caller_trace, caller_span)
            assert request.attributes["http.route"] == "/api/collections/{collection}/records"
            assert request.attributes["http.request.method"] == "POST"
            assert request.attributes["http.response.status_code"] == 200
            assert request.attributes["url.path"] == "/api/collections/posts/records"

            def children(spans: list[Any]) -> list[Any] | None:
                mine = [s for s in spans if s.parent_span_id == request.span_id]
                found = {s.name for s in mine}
                return mine if "auth" in found and "INSERT" in found else None

            under_request = collector.wait_for(children, "the request's auth and INSERT spans")
            insert = _one(under_request, name="INSERT")
            assert insert.kind == CLIENT and insert.attributes["db.system.name"] == "sqlite"
            assert insert.attributes["db.query.text"].startswith("INSERT")

            fanout = collector.wait_for(
                lambda spans: _one(spans, name="realtime fan-out"), "the fan-out span"
            )
            assert (fanout.trace_id, fanout.parent_span_id) == (caller_trace, request.span_id)
            assert fanout.attributes["bastion.collection"] == "posts"

            # the delivery: a job attempt in the request's trace, its POST the receiver's parent
            job = collector.wait_for(lambda spans: _one(spans, name="job webhook.deliver"), "the job span")
            assert (job.kind, job.trace_id, job.parent_span_id) == (CONSUMER, caller_trace, request.span_id)
            post = collector.wait_for(lambda spans: _one(spans, name="webhook POST"), "the delivery span")
            assert (post.trace_id, post.parent_span_id, post.span_id) == (
                caller_trace,
                job.span_id,
                parent_id,
            )
            assert post.attributes["http.response.status_code"] == 200

            # a request without traceparent starts a trace of its own
            r = http.get("/api/health", headers={"X-Request-Id": "untraced-1"})
            assert r.status_code == 200
            health = collector.wait_for(lambda spans: _one(spans, request_id="untraced-1"), "health")
            assert health.name == "GET /api/health" and health.parent_span_id == ""
            assert health.trace_id != caller_trace

            # each worker process exports its own spans (a provider per process)
            def two_workers(spans: list[Any]) -> set[Any] | None:
                pids = {s.resource.get("process.pid") for s in spans}
                return pids if len(pids) == 2 else None

            for i in range(40):  # bounded: each new connection has an even chance of either worker
                httpx.get(f"{base}/api/health", headers={"X-Request-Id": f"either-{i}"})
                if two_workers(collector.spans):
                    break
            collector.wait_for(two_workers, "spans from both workers")
    finally:
        hooks.stop()
        collector.stop()
