"""Cookie sessions with double-submit CSRF, through the full app (both databases).

Each browser-like client gets its own cookie jar over the same App, as two browsers would; the
`api` fixture's client keeps bearer tokens and no cookies.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import msgspec
import pytest
from starlette.responses import JSONResponse

from bastion.api.asgi import create_asgi_app
from bastion.http.cookie_session import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    CookieSessionMiddleware,
    csrf_fits,
    new_csrf_token,
    parse_cookies,
    token_max_age,
    wants_secure,
)

PASSWORD = "userpass123"
OPT_IN = {"X-Bastion-Session": "cookie"}
Browser = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def browser(api: Any) -> AsyncIterator[Browser]:
    """`browser(base_url="https://app.example.test")`: a fresh client with its own cookie jar."""
    asgi = create_asgi_app(api.app, manage_lifecycle=False)
    clients: list[httpx.AsyncClient] = []

    def make(base_url: str = "https://app.example.test") -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url=base_url)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def notes(api: Any) -> dict[str, Any]:
    """A `notes` collection only signed-in users may list, view and change; one note, one user."""
    await api.create_collection(
        {
            "name": "notes",
            "type": "base",
            "fields": [{"name": "title", "type": "text"}],
            "listRule": '@request.auth.id != ""',
            "viewRule": '@request.auth.id != ""',
            "updateRule": '@request.auth.id != ""',
            "deleteRule": '@request.auth.id != ""',
        }
    )
    user, token = await api.create_user("ann@example.com", PASSWORD)
    note = await api.create_record("notes", {"title": "first"})
    return {"user": user, "token": token, "note": note}


async def login(client: httpx.AsyncClient, email: str = "ann@example.com", **headers: str) -> httpx.Response:
    return await client.post(
        "/api/collections/users/auth-with-password",
        json={"identity": email, "password": PASSWORD},
        headers={**OPT_IN, **headers},
    )


def set_cookies(response: httpx.Response) -> dict[str, list[str]]:
    """`{name: [value, attr, attr...]}` of the response's Set-Cookie headers."""
    out: dict[str, list[str]] = {}
    for line in response.headers.get_list("set-cookie"):
        parts = [p.strip() for p in line.split(";")]
        name, _, value = parts[0].partition("=")
        out[name] = [value, *parts[1:]]
    return out


async def test_login_with_opt_in_sets_both_cookies_with_their_attributes(api, notes, browser):
    r = await login(browser())
    assert r.status_code == 200, r.text
    assert r.json()["record"]["email"] == "ann@example.com"
    cookies = set_cookies(r)
    session, csrf = cookies[SESSION_COOKIE], cookies[CSRF_COOKIE]
    assert session[0] == r.json()["token"]
    assert {"Path=/", "SameSite=Lax", "HttpOnly", "Secure"} <= set(session[1:])
    assert {"Path=/", "SameSite=Lax", "Secure"} <= set(csrf[1:])
    assert "HttpOnly" not in csrf[1:]
    max_age = int(next(a for a in session if a.startswith("Max-Age="))[8:])
    exp = jwt.decode(r.json()["token"], options={"verify_signature": False})["exp"]
    assert abs((exp - time.time()) - max_age) < 60  # the token's remaining life, give or take the test
    assert csrf[0] and csrf[0] != session[0]


async def test_a_messagepack_sign_in_answer_sets_the_cookies_too(api, notes, browser):
    r = await login(browser(), Accept="application/msgpack")
    assert r.headers["content-type"] == "application/vnd.msgpack"
    assert set_cookies(r)[SESSION_COOKIE][0] == msgspec.msgpack.decode(r.content)["token"]


async def test_plain_http_on_localhost_gets_cookies_without_secure(api, notes, browser):
    r = await login(browser("http://localhost:8090"))
    cookies = set_cookies(r)
    assert "Secure" not in cookies[SESSION_COOKIE]
    assert "HttpOnly" in cookies[SESSION_COOKIE]
    # any other plain-http host still gets Secure: the cookie must never leak over a network in clear.
    r = await login(browser("http://intranet.example.test"))
    assert "Secure" in set_cookies(r)[SESSION_COOKIE]


async def test_without_opt_in_login_sets_no_cookie(api, notes, browser):
    client = browser()
    r = await client.post(
        "/api/collections/users/auth-with-password",
        json={"identity": "ann@example.com", "password": PASSWORD},
    )
    assert r.status_code == 200
    assert r.headers.get_list("set-cookie") == []


async def test_failed_login_sets_no_cookie(api, notes, browser):
    r = await browser().post(
        "/api/collections/users/auth-with-password",
        json={"identity": "ann@example.com", "password": "wrong-password"},
        headers=OPT_IN,
    )
    assert r.status_code == 400
    assert r.headers.get_list("set-cookie") == []


async def test_get_with_only_the_cookie_is_authenticated(api, notes, browser):
    client = browser()
    anonymous = await client.get("/api/collections/notes/records")
    assert anonymous.json()["items"] == []
    await login(client)
    r = await client.get("/api/collections/notes/records")
    assert [n["title"] for n in r.json()["items"]] == ["first"]
    assert "cookie" in r.headers["vary"].lower()


async def test_unsafe_request_by_cookie_needs_the_csrf_header(api, notes, browser):
    client = browser()
    await login(client)
    url = f"/api/collections/notes/records/{notes['note']['id']}"

    r = await client.patch(url, json={"title": "no csrf"})
    assert r.status_code == 403
    body = r.json()
    assert set(body) == {"data", "message", "status"} and body["status"] == 403 and body["data"] == {}

    r = await client.patch(url, json={"title": "wrong"}, headers={"X-CSRF-Token": "something-else"})
    assert r.status_code == 403

    csrf = client.cookies[CSRF_COOKIE]
    r = await client.patch(url, json={"title": "with csrf"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "with csrf"


async def test_csrf_pair_from_another_session_is_refused(api, notes, browser):
    await api.create_user("bob@example.com", PASSWORD)
    ann, bob = browser(), browser()
    await login(ann)
    await login(bob, "bob@example.com")
    bobs_csrf = bob.cookies[CSRF_COOKIE]
    # Ann's session with Bob's CSRF cookie and matching header: equal, but minted for another session.
    r = await api.http.patch(
        f"/api/collections/notes/records/{notes['note']['id']}",
        json={"title": "planted"},
        headers={
            "Cookie": f"{SESSION_COOKIE}={ann.cookies[SESSION_COOKIE]}; {CSRF_COOKIE}={bobs_csrf}",
            "X-CSRF-Token": bobs_csrf,
        },
    )
    assert r.status_code == 403


async def test_delete_by_cookie_needs_csrf_too(api, notes, browser):
    client = browser()
    await login(client)
    url = f"/api/collections/notes/records/{notes['note']['id']}"
    assert (await client.delete(url)).status_code == 403
    assert (await client.get(url)).status_code == 200
    r = await client.delete(url, headers={"X-CSRF-Token": client.cookies[CSRF_COOKIE]})
    assert r.status_code == 204


async def test_refresh_by_cookie_renews_the_cookies(api, notes, browser):
    client = browser()
    await login(client)
    old_csrf = client.cookies[CSRF_COOKIE]
    r = await client.post("/api/collections/users/auth-refresh")
    assert r.status_code == 403  # a POST by cookie: CSRF first
    r = await client.post("/api/collections/users/auth-refresh", headers={"X-CSRF-Token": old_csrf})
    assert r.status_code == 200, r.text
    cookies = set_cookies(r)
    assert cookies[SESSION_COOKIE][0] == r.json()["token"]
    assert cookies[CSRF_COOKIE][0] != old_csrf


async def test_logout_clears_both_cookies(api, notes, browser):
    client = browser()
    await login(client)
    r = await client.post("/api/session/logout")
    assert r.status_code == 204
    cookies = set_cookies(r)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        assert cookies[name][0] == ""
        assert "Max-Age=0" in cookies[name]
    assert SESSION_COOKIE not in client.cookies
    r = await client.get("/api/collections/notes/records")
    assert r.json()["items"] == []
    assert (await client.get("/api/session/logout")).status_code == 405


async def test_bearer_clients_are_unaffected(api, notes):
    url = f"/api/collections/notes/records/{notes['note']['id']}"
    # a bearer token needs no CSRF header, and wins over a (stale or foreign) session cookie
    r = await api.request(
        "PATCH",
        url,
        token=notes["token"],
        json={"title": "bearer"},
        headers={"Cookie": f"{SESSION_COOKIE}=junk"},
    )
    assert r.status_code == 200, r.text
    assert "cookie" not in r.headers.get("vary", "").lower()
    r = await api.request("GET", "/api/collections/notes/records", token=notes["token"])
    assert r.json()["totalItems"] == 1
    assert r.headers.get_list("set-cookie") == []


async def test_bad_session_cookie_is_just_anonymous_on_reads(api, notes, browser):
    r = await api.http.get("/api/collections/notes/records", headers={"Cookie": f"{SESSION_COOKIE}=junk"})
    assert r.status_code == 200
    assert r.json()["items"] == []


# Pure helpers.


def test_parse_cookies_joins_headers_and_keeps_the_first_of_a_name():
    headers = [(b"cookie", b'a=1; b="2"'), (b"x", b"y"), (b"cookie", b"a=3;c=4;junk")]
    assert parse_cookies(headers) == {"a": "1", "b": "2", "c": "4"}


def test_csrf_token_is_bound_to_its_session():
    token = new_csrf_token("session-a")
    assert csrf_fits("session-a", token, token)
    assert not csrf_fits("session-b", token, token)
    assert not csrf_fits("session-a", token, token + "x")
    assert not csrf_fits("session-a", "", "")


def test_token_max_age_reads_exp():
    token = jwt.encode({"exp": 1_000_100}, "k" * 32, algorithm="HS256")
    assert token_max_age(token, now=1_000_000) == 100
    assert token_max_age(token, now=2_000_000) == 0
    assert token_max_age("not-a-jwt") == 0


@pytest.mark.parametrize(
    ("scheme", "host", "secure"),
    [
        ("http", b"localhost:8090", False),
        ("http", b"127.0.0.1", False),
        ("http", b"[::1]:8090", False),
        ("http", b"app.localhost", False),
        ("https", b"localhost", True),
        ("http", b"example.com", True),
        ("http", b"", True),
    ],
)
def test_secure_unless_plain_http_on_loopback(scheme, host, secure):
    assert wants_secure({"scheme": scheme, "headers": [(b"host", host)]}) is secure


async def test_session_routes_are_asked_only_with_a_cookie_or_the_opt_in(client_for):
    """A request with neither the session cookie nor the opt-in header passes untouched, without
    a route lookup; one with either still gets the cookie's token, Vary: Cookie or new cookies."""
    token = jwt.encode({"exp": int(time.time()) + 3600}, "k" * 32, algorithm="HS256")
    asked: list[str] = []
    seen: list[bytes | None] = []

    def session_route(method: str, path: str) -> str | None:
        asked.append(path)
        return "issue" if path == "/login" else None

    async def app(scope, receive, send):
        seen.append(dict(scope["headers"]).get(b"authorization"))
        await JSONResponse({"token": token})(scope, receive, send)

    middleware = CookieSessionMiddleware(app, session_route)
    async with client_for(middleware) as client:
        plain = await client.get("/plain", headers={"Cookie": "other=1"})
        bearer = await client.get("/plain", headers={"Authorization": "b", "Cookie": f"{SESSION_COOKIE}=x"})
        by_cookie = await client.get("/plain", headers={"Cookie": f"other=1; {SESSION_COOKIE}={token}"})
        signed_in = await client.post("/login", headers=OPT_IN)
    assert asked == ["/plain", "/login"]
    assert seen == [None, b"b", token.encode(), None]
    assert "vary" not in plain.headers and "vary" not in bearer.headers
    assert by_cookie.headers["vary"] == "Cookie"
    assert set_cookies(signed_in)[SESSION_COOKIE][0] == token
    assert plain.headers.get_list("set-cookie") == by_cookie.headers.get_list("set-cookie") == []


async def test_a_cookie_session_works_for_a_client_that_accepts_no_compression(api, notes, browser):
    client = browser()
    client.headers.pop("accept-encoding")  # the edge skips the compression layer then
    r = await login(client)
    assert set_cookies(r)[SESSION_COOKIE][0] == r.json()["token"]
    listed = await client.get("/api/collections/notes/records")
    assert [n["title"] for n in listed.json()["items"]] == ["first"]
    assert listed.headers["vary"].lower().split(", ")[:2] == ["accept", "cookie"]
