from __future__ import annotations

import gzip
import json

import brotli
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from bastion.http.compression import CompressionMiddleware, choose_codec

BIG = {"items": [{"id": f"rec{i:012d}", "title": "hello world " * 3} for i in range(200)]}
BIG_BYTES = json.dumps(BIG, separators=(",", ":")).encode()


async def big_json(request):
    return JSONResponse(BIG, headers={"ETag": '"abc123"'})


async def small_json(request):
    return JSONResponse({"ok": True}, headers={"ETag": '"small"'})


async def event_stream(request):
    async def events():
        for i in range(3):
            yield f"id: {i}\ndata: {'x' * 2000}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


async def ndjson_stream(request):
    async def lines():
        for i in range(50):
            yield json.dumps({"n": i, "pad": "y" * 100}) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


async def pre_encoded(request):
    return Response(
        gzip.compress(BIG_BYTES), headers={"Content-Encoding": "gzip"}, media_type="application/json"
    )


async def png(request):
    return Response(b"\x89PNG" + b"\0" * 5000, media_type="image/png")


async def no_content(request):
    return Response(status_code=204)


async def no_transform(request):
    return Response(BIG_BYTES, media_type="application/json", headers={"Cache-Control": "no-transform"})


INNER = Starlette(
    routes=[
        Route("/big", big_json),
        Route("/small", small_json),
        Route("/events", event_stream),
        Route("/ndjson", ndjson_stream),
        Route("/encoded", pre_encoded),
        Route("/png", png),
        Route("/empty", no_content, methods=["GET", "DELETE"]),
        Route("/no-transform", no_transform),
    ]
)
APP = CompressionMiddleware(INNER, minimum_size=860)


async def raw_get(client, path, accept_encoding):
    """GET without client-side decoding: returns (response, raw body bytes)."""
    async with client.stream("GET", path, headers={"Accept-Encoding": accept_encoding}) as resp:
        raw = b"".join([chunk async for chunk in resp.aiter_raw()])
    return resp, raw


async def test_brotli_preferred_and_decodes_to_the_original(client_for):
    async with client_for(APP) as client:
        resp, raw = await raw_get(client, "/big", "gzip, deflate, br")
        decoded = await client.get("/big", headers={"Accept-Encoding": "gzip, br"})
    assert resp.headers["content-encoding"] == "br"
    assert int(resp.headers["content-length"]) == len(raw) < len(BIG_BYTES)
    assert brotli.decompress(raw) == BIG_BYTES
    assert "Accept-Encoding" in resp.headers["vary"]
    assert decoded.json() == BIG


async def test_gzip_when_brotli_refused_or_ranked_lower(client_for):
    async with client_for(APP) as client:
        refused, raw = await raw_get(client, "/big", "br;q=0, gzip")
        ranked, _ = await raw_get(client, "/big", "br;q=0.5, gzip;q=0.8")
    assert refused.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == BIG_BYTES
    assert ranked.headers["content-encoding"] == "gzip"


async def test_identity_when_nothing_acceptable_but_vary_still_set(client_for):
    async with client_for(APP) as client:
        resp, raw = await raw_get(client, "/big", "identity")
        star_zero, _ = await raw_get(client, "/big", "*;q=0")
    assert "content-encoding" not in resp.headers
    assert raw == BIG_BYTES
    assert resp.headers["etag"] == '"abc123"'
    assert "Accept-Encoding" in resp.headers["vary"]
    assert "content-encoding" not in star_zero.headers


async def test_strong_etag_becomes_weak_only_when_reencoded(client_for):
    async with client_for(APP) as client:
        compressed, _ = await raw_get(client, "/big", "br")
        small, _ = await raw_get(client, "/small", "br")
    assert compressed.headers["etag"] == 'W/"abc123"'
    assert "content-encoding" not in small.headers
    assert small.headers["etag"] == '"small"'


@pytest.mark.parametrize("path", ["/events", "/encoded", "/png", "/empty", "/no-transform"])
async def test_left_alone(client_for, path):
    async with client_for(APP) as client:
        resp, raw = await raw_get(client, path, "br, gzip")
    expected_encoding = "gzip" if path == "/encoded" else None
    assert resp.headers.get("content-encoding") == expected_encoding
    if path == "/events":
        assert raw.count(b"data: ") == 3
        assert "accept-encoding" not in resp.headers.get("vary", "").lower()


async def test_streamed_body_compressed_chunkwise(client_for):
    expected = "".join(json.dumps({"n": i, "pad": "y" * 100}) + "\n" for i in range(50)).encode()
    async with client_for(APP) as client:
        resp, raw = await raw_get(client, "/ndjson", "gzip")
        via_br = await client.get("/ndjson", headers={"Accept-Encoding": "br"})
    assert resp.headers["content-encoding"] == "gzip"
    assert "content-length" not in resp.headers
    assert gzip.decompress(raw) == expected
    assert via_br.headers["content-encoding"] == "br"
    assert via_br.content == expected


async def test_head_is_not_compressed(client_for):
    async with client_for(APP) as client:
        resp = await client.head("/big", headers={"Accept-Encoding": "br"})
    assert "content-encoding" not in resp.headers


async def test_zstd_when_installed(client_for):
    zstandard = pytest.importorskip("zstandard")
    async with client_for(APP) as client:
        resp, raw = await raw_get(client, "/big", "zstd")
    assert resp.headers["content-encoding"] == "zstd"
    assert zstandard.ZstdDecompressor().decompress(raw) == BIG_BYTES


def test_choose_codec_q_values():
    assert choose_codec("gzip, br").name == "br"
    assert choose_codec("br;q=0, gzip").name == "gzip"
    assert choose_codec("*").name == "br"
    assert choose_codec("*, br;q=0").name != "br"
    assert choose_codec("x-gzip").name == "gzip"
    assert choose_codec("identity") is None
    assert choose_codec("gzip;q=abc") is None


async def test_very_large_body_compressed_off_the_event_loop_still_decodes(client_for):
    huge = b'{"blob":"' + b"0123456789abcdef" * 80000 + b'"}'

    async def app(scope, receive, send):
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(huge)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": huge})

    async with client_for(CompressionMiddleware(app)) as client:
        resp = await client.get("/", headers={"Accept-Encoding": "gzip"})
    assert resp.headers["content-encoding"] == "gzip"
    assert resp.content == huge
