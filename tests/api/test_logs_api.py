"""Request logs and /api/logs on SQLite and PostgreSQL: what gets logged, with which fields, who may
read it, filters, hourly stats, retention, and a full buffer that drops instead of blocking."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from bastion.app import App
from bastion.core.datetime_format import format_dt
from bastion.logs.log_entry import LogRow
from tests.conftest import client_from, second_app

REQUEST_KEYS = {
    "type",
    "execTime",
    "url",
    "method",
    "status",
    "referer",
    "userAgent",
    "auth",
    "userIP",
    "remoteIP",
}


async def _logged(api: Any, query: str = "") -> list[dict[str, Any]]:
    await api.app.request_logs.writer.flush()
    r = await api.su("GET", f"/api/logs?sort=-@rowid&perPage=500{query}")
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def _patch_logs_settings(api: Any, **values: Any) -> None:
    r = await api.su("PATCH", "/api/settings", json={"logs": values})
    assert r.status_code == 200, r.text


async def test_requests_are_logged_with_pocketbase_fields(api):
    await api.request(
        "GET", "/api/health", headers={"User-Agent": "ua-test", "Referer": "http://ref.example/x"}
    )
    await api.su("GET", "/api/health?a=1%202")
    await api.request("GET", "/api/collections/nope/records")

    items = await _logged(api)
    missing, su_health, guest_health = items[0], items[1], items[2]

    assert list(guest_health) == ["id", "created", "data", "message", "level"]
    assert guest_health["level"] == 0
    assert guest_health["message"] == "GET /api/health"
    data = guest_health["data"]
    assert set(data) == REQUEST_KEYS
    assert list(data) == sorted(data)
    assert data["type"] == "request" and data["method"] == "GET" and data["status"] == 200
    assert data["url"] == "/api/health" and data["auth"] == ""
    assert data["userAgent"] == "ua-test" and data["referer"] == "http://ref.example/x"
    assert isinstance(data["execTime"], float) and data["execTime"] >= 0
    assert len(guest_health["created"]) == len("2006-01-02 15:04:05.000Z")

    # the URL as sent, the message decoded; the superuser's collection names the caller
    assert su_health["data"]["url"] == "/api/health?a=1%202"
    assert su_health["message"] == "GET /api/health?a=1 2"
    assert su_health["data"]["auth"] == "_superusers"
    assert "authId" not in su_health["data"]

    assert missing["level"] == 8
    assert missing["data"]["status"] == 404
    assert missing["data"]["error"] == "Missing collection context."
    assert missing["data"]["details"] is None

    one = await api.su("GET", f"/api/logs/{guest_health['id']}")
    assert one.status_code == 200 and one.json() == guest_health


async def test_failures_log_error_and_details(api):
    r = await api.request("POST", "/api/collections/users/records", json={"email": "bad"})
    assert r.status_code == 400
    await api.request("GET", "/api/collections/users/records?filter=(((")
    bad_filter, failed_create = (await _logged(api, "&filter=data.status=400"))[:2]
    assert failed_create["data"]["error"] == "Failed to create record."
    # validation errors as their bare messages, as PocketBase logs them
    assert failed_create["data"]["details"]["password"] == "cannot be blank"
    assert bad_filter["data"]["error"] == "Something went wrong while processing your request."
    assert "details" in bad_filter["data"]


async def test_auth_id_and_ip_follow_the_settings(api):
    await _patch_logs_settings(api, logAuthId=True, logIP=False)
    await api.su("GET", "/api/health")
    entry = (await _logged(api))[0]
    assert entry["data"]["authId"]
    assert "userIP" not in entry["data"] and "remoteIP" not in entry["data"]


async def test_handler_that_never_reads_the_token_still_logs_the_caller(api):
    # a 404 from the router: no handler looked at the token, the log resolves it afterwards
    await api.su("GET", "/api/no/such/route")
    entry = (await _logged(api))[0]
    assert entry["data"]["status"] == 404 and entry["data"]["auth"] == "_superusers"


async def test_reading_logs_is_not_logged_but_its_failures_are(api):
    await api.su("GET", "/api/logs")
    await api.su("GET", "/api/logs/stats")
    await api.su("GET", "/api/logs/doesnotexist")
    messages = [i["message"] for i in await _logged(api)]
    assert "GET /api/logs/doesnotexist" in messages
    assert "GET /api/logs" not in messages and "GET /api/logs/stats" not in messages


async def test_filter_sort_fields_and_skip_total(api):
    for _ in range(3):
        await api.request("GET", "/api/health")
    await api.request("GET", "/api/collections/nope/records")
    await api.app.request_logs.writer.flush()

    r = await api.su("GET", "/api/logs?filter=data.status>=400")
    assert r.status_code == 200
    body = r.json()
    assert body["totalItems"] == 1 and body["items"][0]["data"]["status"] == 404

    r = await api.su("GET", "/api/logs?filter=data.url~'health'%20%26%26%20level=0&perPage=2&sort=created")
    body = r.json()
    assert (body["page"], body["perPage"], body["totalItems"], body["totalPages"]) == (1, 2, 3, 2)
    assert [i["message"] for i in body["items"]] == ["GET /api/health"] * 2

    r = await api.su("GET", "/api/logs?filter=message~'nope'&skipTotal=1&fields=id,data.status")
    body = r.json()
    assert body["totalItems"] == -1 and body["totalPages"] == -1
    assert body["items"] == [{"id": body["items"][0]["id"], "data": {"status": 404}}]

    # the whole data JSON is searchable, as the admin UI's plain search does
    r = await api.su("GET", "/api/logs?filter=data~'Missing collection'")
    assert r.json()["totalItems"] == 1


async def test_bad_queries_answer_like_pocketbase(api):
    generic = {"data": {}, "message": "Something went wrong while processing your request.", "status": 400}
    for query in ("filter=bogus>1", "filter=(((", "sort=bogus", "filter=@request.auth.id=''", "page=x"):
        r = await api.su("GET", f"/api/logs?{query}")
        assert (r.status_code, r.json()) == (400, generic), query
    invalid = {"data": {}, "message": "Invalid filter format.", "status": 400}
    for query in ("filter=bogus>1", "filter=((("):
        r = await api.su("GET", f"/api/logs/stats?{query}")
        assert (r.status_code, r.json()) == (400, invalid), query


async def test_hourly_stats(api):
    store = api.app.request_logs.store
    base = datetime(2026, 1, 2, 10, 15, tzinfo=UTC)
    rows = [
        LogRow(f"statrow{i:08d}", 8 if i == 0 else 0, "GET /x", '{"status":200}', format_dt(base + offset))
        for i, offset in enumerate(
            [timedelta(0), timedelta(minutes=30), timedelta(hours=1), timedelta(hours=1, minutes=5)]
        )
    ]
    await store.insert(rows)
    r = await api.su("GET", "/api/logs/stats?filter=created<'2026-01-03'")
    assert r.status_code == 200
    assert r.json() == [
        {"date": "2026-01-02 10:00:00.000Z", "total": 2},
        {"date": "2026-01-02 11:00:00.000Z", "total": 2},
    ]
    r = await api.su("GET", "/api/logs/stats?filter=created<'2026-01-03' %26%26 level>0")
    assert r.json() == [{"date": "2026-01-02 10:00:00.000Z", "total": 1}]


async def test_only_superusers_read_logs(api):
    _, user_token = await api.create_user("reader@example.com")
    unauthorized = {
        "data": {},
        "message": "The request requires valid record authorization token.",
        "status": 401,
    }
    forbidden = {
        "data": {},
        "message": "The authorized record is not allowed to perform this action.",
        "status": 403,
    }
    for method, url in (
        ("GET", "/api/logs"),
        ("GET", "/api/logs/stats"),
        ("GET", "/api/logs/abc"),
        ("DELETE", "/api/logs"),
    ):
        r = await api.request(method, url)
        assert (r.status_code, r.json()) == (401, unauthorized), url
        r = await api.request(method, url, token=user_token)
        assert (r.status_code, r.json()) == (403, forbidden), url
    r = await api.su("GET", "/api/logs/abc")
    assert r.status_code == 404
    assert r.json() == {"data": {}, "message": "The requested resource wasn't found.", "status": 404}


async def test_delete_all_logs(api):
    await api.request("GET", "/api/health")
    assert await _logged(api)
    r = await api.su("DELETE", "/api/logs")
    assert r.status_code == 204 and r.content == b""
    assert await _logged(api) == []


async def test_rows_another_process_buffered_before_a_delete_never_appear_after_it(api):
    # Every worker and node buffers its rows for a moment: a request served elsewhere just before
    # "Delete all logs" must not come back once that process writes its batch.
    async with second_app(api) as other:
        await other.request_logs.writer.stop()  # its buffer is written only when flushed below
        async with client_from(other, "10.0.0.7") as client:
            assert (await client.get("/api/health?before=delete")).status_code == 200
        assert other.request_logs.writer.pending == 1
        r = await api.su("DELETE", "/api/logs")
        assert r.status_code == 204
        async with client_from(other, "10.0.0.7") as client:
            assert (await client.get("/api/health?after=delete")).status_code == 200
        await other.request_logs.writer.flush()
    urls = [i["data"]["url"] for i in await _logged(api)]
    assert "/api/health?before=delete" not in urls
    assert "/api/health?after=delete" in urls


async def test_max_days_zero_turns_logging_off_and_clears_logs(api):
    await api.request("GET", "/api/health")
    assert await _logged(api)
    await _patch_logs_settings(api, maxDays=0)
    await api.app.request_logs.writer.apply_retention()
    await api.request("GET", "/api/health")
    await api.request("GET", "/api/collections/nope/records")
    await _patch_logs_settings(api, maxDays=5)
    assert [i["message"] for i in await _logged(api)] == []


async def test_min_level_skips_successes(api):
    await _patch_logs_settings(api, minLevel=4)
    await api.request("GET", "/api/health")
    await api.request("GET", "/api/collections/nope/records")
    assert [i["data"]["status"] for i in await _logged(api)] == [404]


async def test_retention_deletes_rows_older_than_max_days(api):
    writer = api.app.request_logs.writer
    now = datetime.now(UTC)
    old = LogRow("oldrow000000001", 0, "GET /old", "{}", format_dt(now - timedelta(days=6)))
    recent = LogRow("newrow000000001", 0, "GET /new", "{}", format_dt(now - timedelta(days=4)))
    await writer.store.insert([old, recent])
    deleted = await writer.apply_retention()
    assert deleted == 1
    ids = {i["id"] for i in await _logged(api)}
    assert "newrow000000001" in ids and "oldrow000000001" not in ids


async def test_a_retention_cancelled_mid_delete_leaves_the_log_store_usable(api):
    # The server stopping while retention runs cancels the delete's caller, not the delete itself:
    # the next write must wait for it (it used to begin a second transaction on the same
    # connection, and `bastion serve` failed to start with "cannot start a transaction within a
    # transaction").
    writer = api.app.request_logs.writer
    await writer.stop()  # the store to this test alone: its delete starts at once
    old = format_dt(datetime.now(UTC) - timedelta(days=30))
    rows = [LogRow(f"bulk{i:011d}", 0, "GET /old", "{}", old) for i in range(200_000)]
    await writer.store.insert(rows)
    retention = asyncio.create_task(
        writer.store.delete_expired(format_dt(datetime.now(UTC)), min_level=-(2**31))
    )
    await asyncio.sleep(0.02)  # the delete is running on its thread (200k rows: ~0.2 s)
    retention.cancel()
    for _ in range(3):
        await writer.store.delete_expired("2000-01-01 00:00:00.000Z", min_level=-(2**31))  # nothing
    await writer.store.insert(
        [LogRow("afterrow0000001", 0, "GET /after", "{}", format_dt(datetime.now(UTC)))]
    )
    writer.start()
    assert "afterrow0000001" in {i["id"] for i in await _logged(api)}


async def test_full_buffer_drops_and_counts_instead_of_blocking(api, caplog):
    writer = api.app.request_logs.writer
    await writer.stop()  # no background flush: the buffer only fills
    await writer.flush()
    writer.max_pending = 3
    for _ in range(10):
        r = await api.request("GET", "/api/health")
        assert r.status_code == 200
    assert writer.pending == 3
    assert writer.dropped == 7
    with caplog.at_level(logging.WARNING, logger="bastion.logs"):
        assert await writer.flush() == 3
    assert any(getattr(r, "dropped_total", None) == 7 for r in caplog.records), caplog.text
    writer.max_pending = 10_000
    writer.start()
    assert len([i for i in await _logged(api) if i["message"] == "GET /api/health"]) == 3


async def test_nul_bytes_in_a_request_do_not_cost_its_log_row(api):
    # PostgreSQL text and jsonb refuse NUL: the row is kept with the character replaced
    await api.request("GET", "/api/collections/nope%00/records?q=%00")
    entry = (await _logged(api))[0]
    assert entry["data"]["url"] == "/api/collections/nope%00/records?q=%00"
    assert "\x00" not in entry["message"] and entry["message"].startswith("GET /api/collections/nope")


async def test_only_the_leading_process_applies_retention(api):
    """Every worker writes its own batches; retention deletes run in the one that leads."""
    old = LogRow("oldrow000000002", 0, "GET /old", "{}", format_dt(datetime.now(UTC) - timedelta(days=30)))
    other = await App(dataclasses.replace(api.app.config)).start()
    try:
        assert (api.app.leader.held, other.leader.held) == (True, False)
        await other.request_logs.writer.store.insert([old])
        await other.request_logs.writer.flush()
        assert "oldrow000000002" in {i["id"] for i in await _logged(api)}  # not the follower's job
        await api.app.leader.close()  # as when the leading worker exits
        await other.leader.check()  # what its lock does every few seconds
        await other.request_logs.writer.flush()  # its first flush as leader applies retention
        assert "oldrow000000002" not in {i["id"] for i in await _logged(api)}
    finally:
        await other.stop()
