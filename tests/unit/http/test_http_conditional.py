from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from bastion.http.conditional import (
    ConditionalGetMiddleware,
    etag_for,
    if_match_satisfied,
    none_match,
)

RECORD = {"id": "abc123def456ghi", "title": "hello"}


async def view(request):
    return JSONResponse(RECORD, headers={"Cache-Control": "no-cache", "Vary": "Authorization"})


async def with_etag(request):
    return JSONResponse(RECORD, headers={"ETag": '"app-tag"'})


async def text(request):
    return PlainTextResponse("plain")


async def missing(request):
    return JSONResponse({"status": 404, "message": "nope", "data": {}}, status_code=404)


INNER = Starlette(
    routes=[
        Route("/api/collections/{c}/records/{id}", view),
        Route("/api/collections/{c}/records", view),
        Route("/tagged/x", with_etag),
        Route("/text/x", text),
        Route("/missing/x", missing),
    ]
)


def predicate(path: str) -> bool:
    return re.fullmatch(r"/api/collections/[^/]+/records/[^/]+", path) is not None or path.endswith("/x")


APP = ConditionalGetMiddleware(INNER, predicate)
PATH = "/api/collections/posts/records/abc123def456ghi"


def test_etag_for_is_a_quoted_16_hex_strong_tag():
    tag = etag_for(b"body")
    assert re.fullmatch(r'"[0-9a-f]{16}"', tag)
    assert tag == etag_for(b"body") != etag_for(b"other")


async def test_record_view_gets_etag_and_304_on_match(client_for):
    async with client_for(APP) as client:
        first = await client.get(PATH)
        etag = first.headers["etag"]
        second = await client.get(PATH, headers={"If-None-Match": etag})
    assert first.status_code == 200 and first.json() == RECORD
    assert re.fullmatch(r'"[0-9a-f]{16}"', etag)
    assert second.status_code == 304
    assert second.content == b""
    assert second.headers["etag"] == etag
    assert second.headers["cache-control"] == "no-cache"
    assert second.headers["vary"] == "Authorization"
    assert "content-type" not in second.headers
    assert "content-length" not in second.headers


@pytest.mark.parametrize("header", ['"nope", {tag}', "*", "W/{tag}", '"x",W/{tag} , "y"'])
async def test_if_none_match_forms(client_for, header):
    async with client_for(APP) as client:
        tag = (await client.get(PATH)).headers["etag"]
        resp = await client.get(PATH, headers={"If-None-Match": header.format(tag=tag)})
    assert resp.status_code == 304


async def test_non_matching_tag_gets_full_response(client_for):
    async with client_for(APP) as client:
        resp = await client.get(PATH, headers={"If-None-Match": '"0000000000000000"'})
    assert resp.status_code == 200 and resp.json() == RECORD


async def test_other_paths_methods_and_types_untouched(client_for):
    async with client_for(APP) as client:
        listing = await client.get("/api/collections/posts/records")
        plain = await client.get("/text/x")
        not_found = await client.get("/missing/x", headers={"If-None-Match": "*"})
    assert "etag" not in listing.headers
    assert "etag" not in plain.headers
    assert not_found.status_code == 404 and "etag" not in not_found.headers


async def test_app_supplied_etag_is_kept_and_compared(client_for):
    async with client_for(APP) as client:
        resp = await client.get("/tagged/x")
        cached = await client.get("/tagged/x", headers={"If-None-Match": '"app-tag"'})
    assert resp.headers["etag"] == '"app-tag"'
    assert cached.status_code == 304


async def test_head_gets_the_same_etag_as_get_and_no_body(client_for):
    async with client_for(APP) as client:
        get = await client.get(PATH)
        head = await client.head(PATH)
        head_304 = await client.head(PATH, headers={"If-None-Match": get.headers["etag"]})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head_304.status_code == 304


def test_if_match_helper():
    assert if_match_satisfied(None, '"a"')
    assert if_match_satisfied("", '"a"')
    assert if_match_satisfied("*", '"a"')
    assert not if_match_satisfied("*", None)
    assert not if_match_satisfied('"a"', None)
    assert if_match_satisfied('"b", "a"', '"a"')
    assert if_match_satisfied('W/"a"', '"a"')  # our own tag, weakened by compression
    assert not if_match_satisfied('"b"', '"a"')


def test_none_match_compares_weakly():
    assert none_match('W/"a"', '"a"') and none_match('"a"', 'W/"a"')
    assert not none_match('"ab"', '"a"')


async def test_304_echoes_the_clients_weak_form_of_the_tag(client_for):
    async with client_for(APP) as client:
        tag = (await client.get(PATH)).headers["etag"]
        resp = await client.get(PATH, headers={"If-None-Match": f"W/{tag}"})
    assert resp.status_code == 304
    assert resp.headers["etag"] == f"W/{tag}"
