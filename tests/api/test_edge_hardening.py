"""The HTTP edge as a client meets it (issue #12): who gets Server-Timing, how deep a body may nest,
what an unknown route or a repeated query parameter answers, and a new collection's id checks.
Expected bodies are PocketBase 0.40.6's, taken from the binary."""

from __future__ import annotations

import pytest

SERVER_ERROR_400 = {
    "data": {},
    "message": "Something went wrong while processing your request.",
    "status": 400,
}
NOT_FOUND = {"data": {}, "message": "The requested resource wasn't found.", "status": 404}
FILE_NOT_FOUND = {"data": {}, "message": "File not found.", "status": 404}


@pytest.fixture
async def docs(api):
    await api.create_collection(
        {
            "name": "docs",
            "listRule": "",
            "viewRule": "",
            "createRule": "",
            "updateRule": "",
            "fields": [{"name": "title", "type": "text"}, {"name": "j", "type": "json"}],
        }
    )
    return api


# ---- Server-Timing: a timing oracle for anyone but superusers --------------------------------


async def test_server_timing_reaches_superusers_only(docs):
    api = docs
    rec = await api.create_record("docs", {"title": "a"})
    _, user_token = await api.create_user("timing@example.com")
    login = "/api/collections/users/auth-with-password"
    for token in (None, user_token, "forged.token.value"):
        for method, url, body in (
            ("GET", "/api/collections/docs/records", None),
            ("GET", f"/api/collections/docs/records/{rec['id']}", None),
            ("GET", "/api/health", None),
            ("POST", login, {"identity": "timing@example.com", "password": "wrong-password"}),
            ("POST", login, {"identity": "timing@example.com", "password": "userpass123"}),
        ):
            r = await api.request(method, url, token=token, json=body)
            assert "server-timing" not in r.headers, (token, method, url, r.status_code)
    listing = await api.su("GET", "/api/collections/docs/records")
    assert listing.status_code == 200
    timing = listing.headers["server-timing"]
    assert timing.startswith("total;dur=") and "db;dur=" in timing and "auth;dur=" in timing
