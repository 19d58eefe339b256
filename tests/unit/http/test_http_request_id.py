"""Request ids, as the edge layer (bastion/http/edge.py) assigns and sends them."""

from __future__ import annotations

import string

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bastion.http.cors import CorsPolicy
from bastion.http.edge import EdgeMiddleware


async def echo_id(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.state.request_id)


APP = EdgeMiddleware(Starlette(routes=[Route("/", echo_id)]), CorsPolicy())
URL_SAFE = set(string.ascii_letters + string.digits + "-_")


async def test_generates_short_url_safe_id_shared_with_handler(client_for):
    async with client_for(APP) as client:
        first = await client.get("/")
        second = await client.get("/")
    rid = first.headers["x-request-id"]
    assert rid == first.text
    assert 8 <= len(rid) <= 32 and set(rid) <= URL_SAFE
    assert second.headers["x-request-id"] != rid


async def test_keeps_sane_incoming_id(client_for):
    async with client_for(APP) as client:
        resp = await client.get("/", headers={"X-Request-Id": "lb-1234 abc/xyz"})
    assert resp.headers["x-request-id"] == "lb-1234 abc/xyz"
    assert resp.text == "lb-1234 abc/xyz"


async def test_replaces_overlong_or_unprintable_incoming_id(client_for):
    async with client_for(APP) as client:
        long_resp = await client.get("/", headers={"X-Request-Id": "a" * 129})
        ok_resp = await client.get("/", headers={"X-Request-Id": "a" * 128})
        ctrl_resp = await client.get("/", headers={"X-Request-Id": "abc\x01def"})
    assert long_resp.headers["x-request-id"] != "a" * 129
    assert ok_resp.headers["x-request-id"] == "a" * 128
    assert ctrl_resp.headers["x-request-id"] != "abc\x01def"
    assert set(ctrl_resp.headers["x-request-id"]) <= URL_SAFE


async def test_app_set_request_id_header_is_not_duplicated(client_for):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-request-id", b"mine")]})
        await send({"type": "http.response.body", "body": b""})

    async with client_for(EdgeMiddleware(app, CorsPolicy())) as client:
        resp = await client.get("/")
    assert resp.headers.get_list("x-request-id") == ["mine"]
