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


async def test_json_bodies_with_invalid_utf8_are_refused_as_pocketbase(docs):
    """Bytes that are not UTF-8 inside a JSON string (msgspec raises UnicodeDecodeError there, not
    DecodeError) get PocketBase 0.40.6's 400, on create and update, and nothing is written."""
    url = "/api/collections/docs/records"
    kept = await docs.create_record("docs", {"title": "kept"})
    for raw in (b'{"title":"\x80"}', b'{"\x80":1}', b'{"j":"\xff\xfe"}', b'{"title":"a\xc3"}', b"\x80"):
        for method, target in (("POST", url), ("PATCH", f"{url}/{kept['id']}")):
            r = await docs.request(method, target, content=raw, headers={"Content-Type": "application/json"})
            assert (r.status_code, r.json()) == (400, SERVER_ERROR_400), (method, raw)
    listed = (await docs.request("GET", url)).json()
    assert listed["totalItems"] == 1 and listed["items"][0]["title"] == "kept"


async def test_a_json_field_sent_as_deeply_nested_text_is_a_field_error(docs):
    """A JSON field's value may come as JSON text (form data does): nested past the bound it is a
    field error, never a 500 from decoding it (RecursionError at ~990 levels)."""
    url = "/api/collections/docs/records"
    for levels in (300, 1200, 50000):
        r = await docs.request("POST", url, json={"j": nested(levels)})
        assert r.status_code == 400, (levels, r.text)
        assert r.json()["data"]["j"]["code"] == "validation_json_too_deep", levels
        form = await docs.request("POST", url, data={"j": nested(levels)})
        assert form.status_code == 400 and form.json()["data"]["j"]["code"] == "validation_json_too_deep"
    fine = await docs.request("POST", url, json={"j": nested(200)})
    assert fine.status_code == 200, fine.text
    assert (await docs.request("GET", url)).json()["totalItems"] == 1


async def test_wide_json_bodies_are_not_mistaken_for_deep_ones(docs):
    wide = {"j": [{"k": [i, {"v": [i]}]} for i in range(2000)], "title": "wide"}
    r = await docs.request("POST", "/api/collections/docs/records", json=wide)
    assert r.status_code == 200, r.text


# ---- routes: PocketBase's 404s, never 405 or a redirect --------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("DELETE", "/api/health", NOT_FOUND),
        ("POST", "/api/health", NOT_FOUND),
        ("PUT", "/api/collections/docs/records", NOT_FOUND),
        ("POST", "/api/collections/docs/records/abc", NOT_FOUND),
        ("DELETE", "/api/settings", NOT_FOUND),
        ("POST", "/api/nosuchroute", NOT_FOUND),
        ("GET", "/api/nosuchroute", FILE_NOT_FOUND),
        ("GET", "/api/batch", FILE_NOT_FOUND),
        ("GET", "/api/health/", FILE_NOT_FOUND),
        ("POST", "/api/health/", NOT_FOUND),
        # an escaped slash stays inside its segment, as PocketBase's (Go's) router reads it
        ("GET", "/api%2Fhealth", FILE_NOT_FOUND),
        ("GET", "/api/health%2F", FILE_NOT_FOUND),
        ("GET", "/api/collections/docs%2Fx/records", {**NOT_FOUND, "message": "Missing collection context."}),
        ("GET", "/api/collections/docs/records/a%2Fb", NOT_FOUND),
    ],
)
async def test_unmatched_requests_answer_pocketbase_404(docs, method, url, expected):
    r = await docs.su(method, url)
    assert (r.status_code, r.json()) == (404, expected)
    assert "location" not in r.headers and "allow" not in r.headers


# ---- repeated query parameters: the first value, as PocketBase ---------------------------------


async def test_repeated_query_parameters_use_the_first_value(docs):
    api = docs
    a = await api.create_record("docs", {"title": "a"})
    await api.create_record("docs", {"title": "b"})
    url = "/api/collections/docs/records"
    r = await api.request("GET", f"{url}?fields=id&fields=title")
    assert [set(i) for i in r.json()["items"]] == [{"id"}, {"id"}]
    r = await api.request("GET", f"{url}?filter=title%3D'a'&filter=title%3D'b'&fields=title")
    assert r.json()["items"] == [{"title": "a"}]
    r = await api.request("GET", f"{url}?sort=-title&sort=title&fields=title")
    assert [i["title"] for i in r.json()["items"]] == ["b", "a"]
    r = await api.request("GET", f"{url}?perPage=1&perPage=5&page=2&page=1")
    assert (r.json()["perPage"], r.json()["page"]) == (1, 2)
    r = await api.request("GET", f"{url}/{a['id']}?fields=title&fields=id")
    assert r.json() == {"title": "a"}
    r = await api.su("GET", "/api/settings?fields=meta.appName&fields=batch")
    assert list(r.json()) == ["meta"]


async def test_request_query_in_rules_sees_the_first_value(api):
    await api.create_collection(
        {"name": "gated", "listRule": '@request.query.k = "yes"', "fields": [{"name": "t", "type": "text"}]}
    )
    await api.create_record("gated", {"t": "x"})
    r = await api.request("GET", "/api/collections/gated/records?k=yes&k=no")
    assert r.json()["totalItems"] == 1
    r = await api.request("GET", "/api/collections/gated/records?k=no&k=yes")
    assert r.json()["totalItems"] == 0


# ---- a new collection's id ---------------------------------------------------------------------


def failed(field: str, code: str, message: str, **params: int) -> dict:
    error: dict = {"code": code, "message": message}
    if params:
        error["params"] = params
    return {"data": {field: error}, "message": "Failed to create collection.", "status": 400}


async def test_collection_id_checks_match_pocketbase(api):
    first = await api.su("POST", "/api/collections", json={"id": "custom_id_1", "name": "first"})
    assert first.status_code == 200, first.text
    taken = await api.su("POST", "/api/collections", json={"id": "custom_id_1", "name": "second"})
    assert (taken.status_code, taken.json()) == (
        400,
        failed("id", "validation_invalid_or_existing_id", "The model id is invalid or already exists."),
    )
    bad = await api.su("POST", "/api/collections", json={"id": "a b", "name": "third"})
    assert bad.json() == failed("id", "validation_match_invalid", "Must be in a valid format.")
    long = await api.su("POST", "/api/collections", json={"id": "a" * 101, "name": "third"})
    assert long.json() == failed(
        "id", "validation_length_out_of_range", "The length must be between 1 and 100.", max=100, min=1
    )
    number = await api.su("POST", "/api/collections", json={"id": 5, "name": "third"})
    assert (number.status_code, number.json()) == (
        400,
        {
            "data": {},
            "message": "Failed to load the submitted data due to invalid formatting.",
            "status": 400,
        },
    )
    # another collection's *name* is no id: PocketBase accepts it
    named = await api.su("POST", "/api/collections", json={"id": "users", "name": "third"})
    assert (named.status_code, named.json()["id"]) == (200, "users")


async def test_a_taken_generated_id_gets_a_number(api):
    first = await api.create_collection({"name": "gamma", "type": "auth"})
    r = await api.su("PATCH", "/api/collections/gamma", json={"name": "gamma_old"})
    assert r.status_code == 200, r.text
    again = await api.su("POST", "/api/collections", json={"name": "gamma", "type": "auth"})
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first["id"] + "2"
    assert all(first["id"] + "2`" in sql for sql in again.json()["indexes"])
    user = {"email": "g@example.com", "password": "userpass123", "passwordConfirm": "userpass123"}
    assert (await api.su("POST", "/api/collections/gamma/records", json=user)).status_code == 200
