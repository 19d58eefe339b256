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


# ---- JSON nesting: bounded, answered with PocketBase's 400 -----------------------------------


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


async def test_json_body_nesting_is_bounded(docs):
    api = docs
    url = "/api/collections/docs/records"
    headers = {"Content-Type": "application/json"}
    # the body object is level 1: 255 arrays inside it make 256 levels, the most accepted
    ok = await api.request("POST", url, content=f'{{"j": {nested(255)}}}', headers=headers)
    assert ok.status_code == 200, ok.text
    seen = await api.request("GET", f"{url}/{ok.json()['id']}")
    assert seen.status_code == 200 and seen.text.count("[") == 255
    for levels in (256, 499, 2000, 20000):
        r = await api.request("POST", url, content=f'{{"j": {nested(levels)}}}', headers=headers)
        assert (r.status_code, r.json()) == (400, SERVER_ERROR_400), levels
        r = await api.request("PATCH", f"{url}/{ok.json()['id']}", content=f'{{"j": {nested(levels)}}}')
        assert (r.status_code, r.json()) == (400, SERVER_ERROR_400), levels
    form = await api.request("POST", url, data={"@jsonPayload": f'{{"j": {nested(600)}}}'}, files={"x": b""})
    assert (form.status_code, form.json()) == (400, SERVER_ERROR_400)
    listed = await api.request("GET", url)
    assert listed.json()["totalItems"] == 1  # nothing half-written


async def test_wide_json_bodies_are_not_mistaken_for_deep_ones(docs):
    wide = {"j": [{"k": [i, {"v": [i]}]} for i in range(2000)], "title": "wide"}
    r = await docs.request("POST", "/api/collections/docs/records", json=wide)
    assert r.status_code == 200, r.text
