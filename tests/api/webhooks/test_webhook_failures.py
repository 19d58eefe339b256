"""Receivers that fail: retried with the same webhook-id, then dead with the reason logged; URLs
that may not be used: refused on save (not http) or at delivery (private addresses)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.api.webhooks.conftest import (
    add_webhook,
    delivery_rows,
    eventually,
    hooks_config,
    posts,
    received,
)
from tests.conftest import signed_in_api
from tests.support.serve_process import free_port


async def _dead_job(api, webhook_id):
    for job in await api.app.jobs.list_jobs(status="dead", kind="webhook.deliver"):
        if job.payload["webhook"] == webhook_id:
            return job
    return None


async def _rows(api, webhook_id, count):
    rows = await delivery_rows(api, webhook_id)
    return rows if len(rows) >= count else None


async def test_failing_twice_then_delivered_with_the_same_id(hooks, receiver):
    receiver.fail_first = 2
    await posts(hooks)
    webhook = await add_webhook(hooks, receiver)
    await hooks.create_record("posts", {"title": "retry me"})
    got = await received(receiver, 3)
    assert [d.answered for d in got] == [500, 500, 200]
    assert len({d.webhook_id for d in got}) == 1
    assert all(d.verified for d in got)  # each attempt signed anew, each verifies
    rows = await eventually(lambda: _rows(hooks, webhook["id"], 3))
    assert [(r["attempt"], r["statusCode"], r["delivered"]) for r in rows] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    assert rows[0]["error"] == "HTTP 500" and rows[0]["nextAttempt"]
    assert rows[2]["error"] == "" and rows[2]["nextAttempt"] == ""
    assert len({r["eventId"] for r in rows}) == 1


async def test_receiver_that_never_answers_is_retried_then_dead(hooks, receiver):
    receiver.hang = True
    await posts(hooks)
    webhook = await add_webhook(hooks, receiver)
    await hooks.create_record("posts", {"title": "timeout"})
    job = await eventually(lambda: _dead_job(hooks, webhook["id"]), timeout=30)
    assert "no answer within 1 s" in job.last_error
    rows = await delivery_rows(hooks, webhook["id"])
    assert [r["attempt"] for r in rows] == [1, 2, 3]
    assert all(not r["delivered"] and r["statusCode"] == 0 for r in rows)
    assert rows[-1]["nextAttempt"] == ""  # the last: nothing follows


async def test_unreachable_port_is_retried_then_dead(hooks):
    await posts(hooks)
    r = await hooks.su(
        "POST",
        "/api/collections/_webhooks/records",
        json={"url": f"http://127.0.0.1:{free_port()}/hook", "active": True},
    )
    webhook = r.json()
    await hooks.create_record("posts", {"title": "nobody home"})
    job = await eventually(lambda: _dead_job(hooks, webhook["id"]))
    assert "connection failed" in job.last_error
    rows = await delivery_rows(hooks, webhook["id"])
    assert len(rows) == 3 and all("connection failed" in r["error"] for r in rows)


async def test_redirect_is_not_followed(hooks, receiver):
    receiver.status = 302
    await posts(hooks)
    webhook = await add_webhook(hooks, receiver)
    await hooks.create_record("posts", {"title": "moved"})
    await eventually(lambda: _dead_job(hooks, webhook["id"]))
    # three attempts at the webhook's url, none at the Location it pointed to
    assert [d.answered for d in receiver.deliveries] == [302, 302, 302]
    rows = await delivery_rows(hooks, webhook["id"])
    assert rows[0]["error"] == "HTTP 302 (redirects are not followed)"


async def test_url_that_is_not_http_is_refused(hooks):
    for url in ("ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)", "example.com"):
        r = await hooks.su("POST", "/api/collections/_webhooks/records", json={"url": url})
        assert r.status_code == 400, (url, r.text)
        assert "url" in r.json()["data"]
    r = await hooks.su("POST", "/api/collections/_webhooks/records", json={"url": "https://example.com/h"})
    assert r.status_code == 200
    webhook_id = r.json()["id"]
    r = await hooks.su(
        "PATCH", f"/api/collections/_webhooks/records/{webhook_id}", json={"url": "gopher://x"}
    )
    assert r.status_code == 400 and "url" in r.json()["data"]
    r = await hooks.su("PATCH", f"/api/collections/_webhooks/records/{webhook_id}", json={"secret": ""})
    assert r.status_code == 400 and "secret" in r.json()["data"]
    r = await hooks.su("PATCH", f"/api/collections/_webhooks/records/{webhook_id}", json={"secret": "nope"})
    assert r.status_code == 400 and "secret" in r.json()["data"]


async def test_private_address_refused_unless_allowed(database_url, tmp_path: Path, receiver):
    config = hooks_config(tmp_path / "data", database_url, webhooks_allow_private=False)
    async with signed_in_api(config) as api:
        await posts(api)
        webhook = await add_webhook(api, receiver)
        await api.create_record("posts", {"title": "to loopback"})
        job = await eventually(lambda: _dead_job(api, webhook["id"]))
        # refused at once (no retry can help), with the reason in the job and the log
        assert "private, loopback or link-local" in job.last_error
        assert job.attempts == 1
        [row] = await delivery_rows(api, webhook["id"])
        assert "webhooks_allow_private" in row["error"] and not row["delivered"]
        # the test route says so too
        r = await api.su("POST", f"/api/webhooks/{webhook['id']}/test")
        assert r.status_code == 200 and r.json()["delivered"] is False
        assert "private" in r.json()["error"]
    await asyncio.sleep(0)
    assert receiver.deliveries == []
