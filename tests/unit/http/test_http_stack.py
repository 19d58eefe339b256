"""The whole stack, in the order build_middleware_stack puts it, around small starlette apps."""

from __future__ import annotations

import asyncio
import json

import brotli
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route, request_response

from bastion.errors import ApiError
from bastion.http.conditional import ConditionalGetMiddleware
from bastion.http.errors import error_response
from bastion.http.stack import HttpSettings, build_middleware_stack

LINES = [json.dumps({"n": i, "pad": "z" * 200}) + "\n" for i in range(40)]
RECORD = {"id": "abc123def456ghi", "text": "lorem ipsum " * 200}


async def stream(request: Request) -> StreamingResponse:
    async def body():
        for line in LINES:
            await asyncio.sleep(0)
            yield line

    return StreamingResponse(body(), media_type="application/x-ndjson")


async def events(request: Request) -> StreamingResponse:
    async def body():
        yield "id: 1\ndata: {}\n\n"
        yield "id: 2\ndata: {}\n\n"

    return StreamingResponse(body(), media_type="text/event-stream")


async def record(request: Request) -> JSONResponse:
    with request.state.timings.measure("db"):
        pass
    return JSONResponse(RECORD)


async def upload(request: Request) -> JSONResponse:
    return JSONResponse({"size": len(await request.body())})


async def api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc, request.headers.get("accept"))


INNER = Starlette(
    routes=[
        Route("/stream", stream),
        Route("/events", events),
        # ETags are the route's own layer, innermost, as Bastion's dispatcher applies them
        Route("/api/collections/{c}/records/{id}", ConditionalGetMiddleware(request_response(record))),
        Route("/upload", upload, methods=["POST"]),
    ],
    exception_handlers={ApiError: api_error},
)
RECORDS: list[dict] = []
SETTINGS = HttpSettings(
    trusted_proxies=["10.0.0.0/8"],
    max_body_bytes=1000,
    on_request_complete=RECORDS.append,
    server_timing_to=lambda scope: True,
)
APP = build_middleware_stack(INNER, SETTINGS)
COMMON = {"Origin": "https://app.test", "Accept-Encoding": "br"}


def assert_common_headers(resp):
    assert resp.headers["x-request-id"]
    assert resp.headers["server-timing"].startswith("total;dur=")
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["access-control-allow-origin"] == "*"
    assert "Origin" in resp.headers["vary"]


async def test_streaming_response_through_the_full_stack(client_for):
    RECORDS.clear()
    async with (
        client_for(APP, peer="10.0.0.9") as client,
        client.stream(
            "GET",
            "/stream",
            headers={**COMMON, "X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https"},
        ) as resp,
    ):
        raw = b"".join([c async for c in resp.aiter_raw()])
    assert resp.status_code == 200
    assert_common_headers(resp)
    assert resp.headers["content-encoding"] == "br"
    assert "Accept-Encoding" in resp.headers["vary"]
    assert resp.headers["strict-transport-security"].startswith("max-age=")
    assert brotli.decompress(raw).decode() == "".join(LINES)
    [log] = RECORDS
    assert log["remote_ip"] == "198.51.100.4"
    assert log["request_id"] == resp.headers["x-request-id"]
    assert log["bytes"] == len(raw)


async def test_stack_keeps_streamed_chunks_separate():
    """At the ASGI level the client gets several body messages, not one buffered blob."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/stream",
        "raw_path": b"/stream",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"accept-encoding", b"gzip"), (b"host", b"testserver")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []
    requested = False
    never = asyncio.Event()

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await never.wait()  # the client stays connected; starlette cancels this when done
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await APP(scope, receive, send)
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert len(bodies) > 10
    assert all(m["more_body"] for m in bodies[:-1]) and not bodies[-1]["more_body"]


async def test_event_stream_untouched_by_the_stack(client_for):
    async with client_for(APP) as client:
        resp = await client.get("/events", headers=COMMON)
    assert "content-encoding" not in resp.headers
    assert resp.text == "id: 1\ndata: {}\n\nid: 2\ndata: {}\n\n"


async def test_record_etag_roundtrip_with_compression(client_for):
    async with client_for(APP) as client:
        first = await client.get("/api/collections/posts/records/abc123def456ghi", headers=COMMON)
        etag = first.headers["etag"]
        second = await client.get(
            "/api/collections/posts/records/abc123def456ghi", headers={**COMMON, "If-None-Match": etag}
        )
    assert first.headers["content-encoding"] == "br"
    assert etag.startswith('W/"')  # weakened: the body was re-encoded
    assert first.json() == RECORD
    assert "db;dur=" in first.headers["server-timing"]
    assert second.status_code == 304
    assert second.content == b""
    assert second.headers["etag"] == etag
    assert_common_headers(second)


async def test_preflight_and_413_get_the_common_headers(client_for):
    async with client_for(APP) as client:
        pre = await client.options(
            "/upload", headers={"Origin": "https://app.test", "Access-Control-Request-Method": "POST"}
        )
        big = await client.post("/upload", content=b"x" * 1001, headers={"Origin": "https://app.test"})

        async def chunks():
            for _ in range(11):
                yield b"y" * 100

        streamed = await client.post("/upload", content=chunks(), headers={"Origin": "https://app.test"})
    assert pre.status_code == 204
    assert_common_headers(pre)
    for resp in (big, streamed):
        assert resp.status_code == 413
        assert resp.json() == {"status": 413, "message": "Request entity too large.", "data": {}}
        assert_common_headers(resp)


async def test_lifespan_passes_through_every_layer():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])
        assert "state" not in scope or scope["state"] == {}
        message = await receive()
        await send({"type": "lifespan.startup.complete"})
        seen.append(message["type"])

    out = []

    async def receive():
        return {"type": "lifespan.startup"}

    async def send(message):
        out.append(message)

    await build_middleware_stack(app, HttpSettings(trusted_proxies=["10.0.0.0/8"]))(
        {"type": "lifespan"}, receive, send
    )
    assert seen == ["lifespan", "lifespan.startup"]
    assert out == [{"type": "lifespan.startup.complete"}]


# A client accepting no coding we serve: the edge skips the compression layer and adds its
# `Vary: Accept-Encoding` itself. Every answer must be what the layer itself would have given.
UNSKIPPED = build_middleware_stack(INNER, SETTINGS)
UNSKIPPED.compression = None  # the edge calls the compression layer for every request, as it used to
UNSKIPPED.skippable = ()
VOLATILE = {"x-request-id", "server-timing", "date"}


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/api/collections/posts/records/abc123def456ghi", {}),  # big JSON: varies
        ("HEAD", "/api/collections/posts/records/abc123def456ghi", {"Accept-Encoding": "br"}),
        ("GET", "/api/collections/posts/records/abc123def456ghi", {"Accept-Encoding": "identity"}),
        ("GET", "/api/collections/posts/records/abc123def456ghi", {"Accept-Encoding": "compress"}),
        ("GET", "/stream", {}),  # no Content-Length: varies
        ("GET", "/events", {}),  # event stream: never compressed, does not vary
        ("POST", "/upload", {}),  # small JSON: does not vary
        ("GET", "/nowhere", {}),  # 404
    ],
)
async def test_a_skipped_compression_layer_answers_as_the_layer_would(client_for, method, path, headers):
    async def answer(app):
        async with client_for(app) as client:
            client.headers.pop("accept-encoding")
            resp = await client.request(
                method, path, headers={"Origin": "https://app.test", **headers}, content=b"{}"
            )
        return (
            resp.status_code,
            resp.content,
            [(k, v) for k, v in resp.headers.multi_items() if k not in VOLATILE],
        )

    skipped, layered = await answer(APP), await answer(UNSKIPPED)
    assert skipped == layered
    assert "content-encoding" not in dict(skipped[2])


async def test_without_accept_encoding_a_compressible_answer_still_varies_by_it(client_for):
    async with client_for(APP) as client:
        client.headers.pop("accept-encoding")
        big = await client.get(
            "/api/collections/posts/records/abc123def456ghi", headers={"Origin": "https://x"}
        )
        small = await client.post("/upload", content=b"{}")
    assert big.headers["vary"] == "Accept-Encoding, Origin"
    assert "content-encoding" not in big.headers and big.json() == RECORD
    assert big.headers["etag"].startswith('"')  # not weakened: the body was not re-encoded
    assert small.headers["vary"] == "Origin"


class RecordingSink:
    """A request-log sink that keeps every request's facts."""

    def __init__(self) -> None:
        self.facts: list[dict] = []

    def enabled(self) -> bool:
        return True

    async def record(self, facts, scope) -> None:
        self.facts.append(
            {f: getattr(facts, f) for f in facts.__struct_fields__ if f not in ("exec_time_ms", "finished")}
        )


def logged_stacks():
    """The stack with a request log and cookie sessions as built (the edge skips what has nothing
    to do), and the same stack with every layer run as a layer."""
    stacks = []
    for skipping in (True, False):
        sink = RecordingSink()
        settings = HttpSettings(max_body_bytes=1000, request_log=sink, server_timing_to=lambda scope: True)
        app = build_middleware_stack(INNER, settings)
        if not skipping:
            app.compression = app.request_log = None
            app.skippable = ()
        stacks.append((app, sink))
    return stacks


async def test_the_request_log_sees_the_same_whether_its_layer_is_skipped_or_not(client_for):
    """Pre-flights are not logged; 404s, 413s (declared and chunked) and CSRF 403s are, with the
    message read from their bodies, for clients that accept compression and for those that don't."""

    async def chunks():
        for _ in range(11):
            yield b"y" * 100

    answers = []
    for app, sink in logged_stacks():
        statuses = []
        async with client_for(app, peer="10.1.2.3") as client:
            for encoding in ("br", None):
                if encoding is None:
                    client.headers.pop("accept-encoding")
                else:
                    client.headers["accept-encoding"] = encoding
                pre = await client.options(
                    "/upload", headers={"Origin": "https://a.test", "Access-Control-Request-Method": "POST"}
                )
                requests = [
                    client.get("/nowhere", headers={"User-Agent": "ua", "Referer": "https://r.test/"}),
                    client.post("/upload", content=b"x" * 1001),
                    client.post("/upload", content=chunks()),
                    client.post("/upload", content=b"{}", headers={"Cookie": "bastion_session=abc"}),
                    client.get("/api/collections/posts/records/abc123def456ghi", headers={"Cookie": "a=b"}),
                    client.get(
                        "/api/collections/posts/records/abc123def456ghi", headers={"Authorization": "t"}
                    ),
                ]
                statuses += [pre.status_code] + [(await r).status_code for r in requests]
        answers.append((statuses, sink.facts))
    (skipped, skipped_log), (layered, layered_log) = answers
    assert skipped == layered == [204, 404, 413, 413, 403, 200, 200] * 2
    assert skipped_log == layered_log
    assert [f["status"] for f in skipped_log] == [404, 413, 413, 403, 200, 200] * 2  # no pre-flight
    assert [f["error"] for f in skipped_log[:4]] == [
        None,  # Starlette's plain-text 404: no error JSON to read
        "Request entity too large.",
        "Request entity too large.",
        "Missing or invalid CSRF token (send the bastion_csrf cookie's value as X-CSRF-Token).",
    ]
    assert skipped_log[0]["user_agent"] == "ua" and skipped_log[0]["referer"] == "https://r.test/"
    assert skipped_log[0]["remote_ip"] == "10.1.2.3"
    assert [f["has_token"] for f in skipped_log[-2:]] == [False, True]
