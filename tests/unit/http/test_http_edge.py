"""The edge layer applies request id, access log, timing, security headers and CORS in one pass,
with the precedence the separate layers had."""

from __future__ import annotations

import pytest

from bastion.http.access_log import AccessLogger
from bastion.http.cors import CorsPolicy
from bastion.http.edge import EdgeMiddleware


async def app_with_own_headers(scope, receive, send):
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [
                (b"x-request-id", b"from-the-app"),
                (b"x-frame-options", b"DENY"),
                (b"access-control-allow-origin", b"https://wrong.test"),
                (b"content-length", b"2"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


async def failing_app(scope, receive, send):
    raise RuntimeError("boom")


def edge(app, records, timing_to=lambda scope: True):
    return EdgeMiddleware(
        app,
        CorsPolicy(allow_origins=["https://app.test"]),
        access_log=AccessLogger(on_complete=records.append),
        server_timing_to=timing_to,
    )


async def test_app_headers_keep_or_give_way_as_with_separate_layers(client_for):
    records: list[dict] = []
    async with client_for(edge(app_with_own_headers, records)) as client:
        resp = await client.get("/x", headers={"Origin": "https://app.test"})
    assert resp.status_code == 201
    assert resp.headers["x-request-id"] == "from-the-app"  # the app's own id is kept
    assert resp.headers["x-frame-options"] == "DENY"  # the app's own value wins over the default
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers.get_list("access-control-allow-origin") == ["https://app.test"]  # policy wins
    assert resp.headers["vary"] == "Origin"
    assert resp.headers["server-timing"].startswith("total;dur=")
    assert records[0]["status"] == 201 and records[0]["bytes"] == 2


async def test_preflight_is_answered_without_the_app_and_logged(client_for):
    records: list[dict] = []
    async with client_for(edge(failing_app, records)) as client:
        resp = await client.options(
            "/x", headers={"Origin": "https://app.test", "Access-Control-Request-Method": "PATCH"}
        )
    assert resp.status_code == 204
    assert resp.headers["access-control-allow-origin"] == "https://app.test"
    assert "PATCH" in resp.headers["access-control-allow-methods"]
    assert resp.headers["x-request-id"] and resp.headers["x-content-type-options"] == "nosniff"
    assert records[0]["method"] == "OPTIONS" and records[0]["status"] == 204


async def test_a_failing_app_is_logged_as_500_and_the_error_propagates():
    records: list[dict] = []
    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [], "query_string": b""}

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        raise AssertionError("nothing may be sent")

    with pytest.raises(RuntimeError, match="boom"):
        await edge(failing_app, records)(scope, receive, send)
    assert records[0]["status"] == 500
    assert scope["state"]["request_id"] == records[0]["request_id"]


async def test_server_timing_only_where_the_predicate_allows_it(client_for):
    async def app(scope, receive, send):
        scope["state"]["caller"] = scope["path"].strip("/")  # what the app learnt while handling
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    records: list[dict] = []
    to_admin = edge(app, records, timing_to=lambda scope: scope["state"]["caller"] == "admin")
    async with client_for(to_admin) as client:
        admin, other = await client.get("/admin"), await client.get("/someone")
    assert admin.headers["server-timing"].startswith("total;dur=")
    assert "server-timing" not in other.headers
    async with client_for(edge(app, records, timing_to=None)) as client:
        assert "server-timing" not in (await client.get("/admin")).headers
