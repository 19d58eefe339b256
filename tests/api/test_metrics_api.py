"""GET /metrics (SQLite and PostgreSQL, in-process): who may read it, and the counters after known
traffic, read with prometheus-client's own parser. The values of this process accumulate over the
tests that run in it, so every check compares a scrape before with a scrape after."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bastion.bus.broker import Broker
from bastion.bus.pubsub_open import BROKER_ENV
from bastion.config import Config
from tests.conftest import FORBIDDEN, UNAUTHORIZED, ApiClient, signed_in_api

RECORDS = "/api/collections/{collection}/records"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, default: float = 0.0, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), default)


async def scrape(api: ApiClient) -> Samples:
    r = await api.su("GET", "/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=")
    return parse(r.text)


async def test_only_a_superuser_or_the_configured_bearer_may_scrape(api: ApiClient, tmp_path: Path) -> None:
    _, user_token = await api.create_user("metrics-user@example.com")
    r = await api.request("GET", "/metrics")
    assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
    r = await api.request("GET", "/metrics", token=user_token)
    assert (r.status_code, r.json()) == (403, FORBIDDEN)
    assert (await api.su("GET", "/metrics")).status_code == 200
    # no metrics_token set: a bearer is only ever a record's token
    r = await api.request("GET", "/metrics", headers={"Authorization": "Bearer "})
    assert (r.status_code, r.json()) == (401, UNAUTHORIZED)

    config = Config(
        data_dir=tmp_path / "other", database_url=api.app.config.database_url, metrics_token="scrape-secret"
    )
    async with signed_in_api(config) as other:
        r = await other.request("GET", "/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert r.status_code == 200
        assert "bastion_http_requests_total" in r.text
        r = await other.request("GET", "/metrics", headers={"Authorization": "Bearer not-the-secret"})
        assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
        assert (await other.su("GET", "/metrics")).status_code == 200  # a superuser still may


async def test_requests_are_counted_by_route_pattern_method_and_status(api: ApiClient) -> None:
    await api.create_collection(
        {"name": "notes", "type": "base", "fields": [{"name": "title", "type": "text"}]}
    )
    before = await scrape(api)
    for n in range(3):
        await api.create_record("notes", {"title": f"note {n}"})
    assert (await api.su("GET", "/api/collections/notes/records/nope")).status_code == 404
    assert (await api.request("GET", "/no/such/path/x1")).status_code == 404
    after = await scrape(api)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    created = {"route": RECORDS, "method": "POST", "status": "200"}
    assert delta("bastion_http_requests_total", **created) == 3
    assert delta("bastion_http_request_duration_seconds_count", route=RECORDS, method="POST") == 3
    assert delta("bastion_http_request_duration_seconds_bucket", route=RECORDS, method="POST", le="+Inf") == 3
    assert delta("bastion_http_request_duration_seconds_sum", route=RECORDS, method="POST") > 0
    view = {"route": RECORDS + "/{id}", "method": "GET", "status": "404"}
    assert delta("bastion_http_requests_total", **view) == 1
    assert delta("bastion_http_requests_total", route="unmatched", method="GET", status="404") == 1
    # the scrape before is counted once it is answered, and is in flight while it answers
    assert delta("bastion_http_requests_total", route="/metrics", method="GET", status="200") == 1
    assert value(after, "bastion_http_requests_in_flight") >= 1
    # raw paths never become labels
    assert not any("/no/such" in v or "notes" in v for (_, labels) in after for _, v in labels)
    # the store's statements, and the job queue read at scrape time
    assert delta("bastion_db_statement_duration_seconds_count") >= 3
    assert ("bastion_jobs", frozenset({("status", "queued")})) in after
    assert value(after, "bastion_process_resident_memory_bytes") > 0
    if api.app.config.database_url:  # PostgreSQL's pool (SQLite has none)
        in_use, idle = (value(after, "bastion_db_pool_connections", state=s) for s in ("in_use", "idle"))
        assert in_use >= 0 and idle >= 0 and in_use + idle >= 1


async def test_rate_limit_rejections_are_counted(api: ApiClient) -> None:
    rule = {"label": "/api/health", "audience": "", "duration": 60, "maxRequests": 1}
    r = await api.su("PATCH", "/api/settings", json={"rateLimits": {"enabled": True, "rules": [rule]}})
    assert r.status_code == 200, r.text
    before = await scrape(api)
    statuses = [(await api.request("GET", "/api/health")).status_code for _ in range(3)]
    after = await scrape(api)
    assert statuses == [200, 429, 429]
    rejected = value(after, "bastion_ratelimit_rejections_total", reason="rate_limit")
    assert rejected - value(before, "bastion_ratelimit_rejections_total", reason="rate_limit") == 2


async def test_openmetrics_when_the_scraper_asks_for_it(api: ApiClient) -> None:
    r = await api.su("GET", "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/openmetrics-text")
    assert r.text.endswith("# EOF\n")


async def test_the_pub_sub_between_processes_is_reported_up_then_down(tmp_path: Path, monkeypatch) -> None:
    """Workers that share record events over the embedded broker: a scrape asks it for a round
    trip (readiness leaves it out, api/ready.py)."""
    path = str(tmp_path / "broker.sock")
    broker = await Broker().serve(path)
    monkeypatch.setenv(BROKER_ENV, path)
    async with signed_in_api(Config(data_dir=tmp_path / "data", db_ready_timeout=1.0)) as api:
        assert value(await scrape(api), "bastion_realtime_pubsub_up", default=-1) == 1
        await broker.close()
        assert value(await scrape(api), "bastion_realtime_pubsub_up", default=-1) == 0
        assert (await api.request("GET", "/api/ready")).status_code == 200  # REST still works


async def test_a_hook_files_route_is_counted_under_one_label(tmp_path: Path) -> None:
    hello = """
from bastion.hooks import hooks


@hooks.route("GET", "/api/hello/{name}")
async def hello(e):
    return {"message": "hello " + e.path_params["name"]}
"""
    folder = tmp_path / "bastion_hooks"
    folder.mkdir()
    (folder / "hello.py").write_text(hello)
    async with signed_in_api(Config(data_dir=tmp_path / "data", hooks_dir=str(folder))) as api:
        before = await scrape(api)
        for name in ("ann", "bob"):
            assert (await api.request("GET", f"/api/hello/{name}")).status_code == 200
        after = await scrape(api)
    hooked = {"route": "hook", "method": "GET", "status": "200"}
    assert (
        value(after, "bastion_http_requests_total", **hooked)
        - value(before, "bastion_http_requests_total", **hooked)
        == 2
    )
