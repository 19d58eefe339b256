"""HTTP core behaviour on real API routes: request id, timing, ETag/304/412, CORS, compression."""

from __future__ import annotations

import pytest


@pytest.fixture
async def note(api):
    await api.create_collection(
        {
            "name": "notes",
            "listRule": "",
            "viewRule": "",
            "updateRule": "",
            "deleteRule": "",
            "fields": [{"name": "t", "type": "text"}],
        }
    )
    return await api.create_record("notes", {"t": "hello " * 200})


async def test_request_id_and_server_timing(api):
    r = await api.request("GET", "/api/health")
    assert r.headers["x-request-id"]
    assert "server-timing" not in r.headers  # superusers only: see test_edge_hardening.py
    listing = await api.su("GET", "/api/collections/users/records")
    assert "db;dur=" in listing.headers["server-timing"]
    r = await api.request("GET", "/api/health", headers={"X-Request-Id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"


async def test_etag_304_and_412(api, note):
    url = f"/api/collections/notes/records/{note['id']}"
    plain = await api.request("GET", url, headers={"Accept-Encoding": "identity"})
    assert plain.headers["etag"].startswith('"')  # strong for the identity encoding
    first = await api.request("GET", url)  # compressed: the tag turns weak (same meaning, other bytes)
    etag = first.headers["etag"]
    assert first.headers["content-encoding"] and etag == "W/" + plain.headers["etag"]
    again = await api.request("GET", url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    ok = await api.request("PATCH", url, json={"t": "v2"}, headers={"If-Match": etag})
    assert ok.status_code == 200
    stale = await api.request("PATCH", url, json={"t": "v3"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert (await api.request("GET", url)).json()["t"] == "v2"
    stale_delete = await api.request("DELETE", url, headers={"If-Match": etag})
    assert stale_delete.status_code == 412


async def test_cors_preflight(api):
    r = await api.request(
        "OPTIONS",
        "/api/collections/notes/records",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert r.status_code in (200, 204)
    assert r.headers["access-control-allow-origin"] in ("*", "https://app.example")
    assert "PATCH" in r.headers["access-control-allow-methods"]


async def test_compression_negotiated(api, note):
    url = f"/api/collections/notes/records/{note['id']}"
    for enc in ("br", "gzip"):
        r = await api.request("GET", url, headers={"Accept-Encoding": enc})
        assert r.headers.get("content-encoding") == enc
        assert r.json()["id"] == note["id"]


async def test_security_headers_and_unknown_route(api):
    r = await api.request("GET", "/api/nope")
    assert r.status_code == 404
    assert r.json()["status"] == 404
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_problem_json_when_asked(api):
    r = await api.request(
        "GET", "/api/collections/nope/records", headers={"Accept": "application/problem+json"}
    )
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 404
