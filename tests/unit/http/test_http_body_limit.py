from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bastion.errors import ApiError
from bastion.http.body_limit import DEFAULT_MAX_BODY_BYTES, BodyLimitMiddleware
from bastion.http.errors import error_response

PB_413 = {"status": 413, "message": "Request entity too large.", "data": {}}
CALLS: list[int] = []


async def echo_size(request: Request) -> JSONResponse:
    body = await request.body()
    CALLS.append(len(body))
    return JSONResponse({"size": len(body)})


async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc, request.headers.get("accept"))


STARLETTE = Starlette(
    routes=[Route("/upload", echo_size, methods=["POST"])],
    exception_handlers={ApiError: api_error_handler},
)


async def raw_reader(scope, receive, send):
    """A bare ASGI app (no exception handling at all) that reads the whole body."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


async def chunks(n: int, size: int):
    for _ in range(n):
        yield b"x" * size


def test_default_limit_is_pocketbases_32_mib():
    assert DEFAULT_MAX_BODY_BYTES == 32 * 1024 * 1024


async def test_declared_content_length_over_limit_refused_before_the_app(client_for):
    CALLS.clear()
    async with client_for(BodyLimitMiddleware(STARLETTE, max_bytes=100)) as client:
        resp = await client.post("/upload", content=b"x" * 101)
    assert resp.status_code == 413
    assert resp.headers["content-type"] == "application/json"
    assert resp.json() == PB_413
    assert CALLS == []


async def test_under_and_at_the_limit_pass(client_for):
    async with client_for(BodyLimitMiddleware(STARLETTE, max_bytes=100)) as client:
        resp = await client.post("/upload", content=b"x" * 100)
        streamed = await client.post("/upload", content=chunks(4, 25))
    assert resp.json() == {"size": 100}
    assert streamed.json() == {"size": 100}


async def test_streamed_body_over_limit_gets_413_through_the_apps_error_handler(client_for):
    async with client_for(BodyLimitMiddleware(STARLETTE, max_bytes=100)) as client:
        resp = await client.post("/upload", content=chunks(5, 30))
    assert resp.status_code == 413
    assert resp.json() == PB_413


async def test_streamed_body_over_limit_gets_413_from_the_middleware_itself(client_for):
    async with client_for(BodyLimitMiddleware(raw_reader, max_bytes=100)) as client:
        resp = await client.post("/upload", content=chunks(5, 30))
        ok = await client.post("/upload", content=chunks(2, 30))
    assert resp.status_code == 413
    assert resp.json() == PB_413
    assert ok.text == "60"


async def test_limit_for_overrides_per_request_and_zero_disables(client_for):
    def limit_for(scope):
        if scope["path"] == "/backups/upload":
            return 0
        if scope["path"].startswith("/files"):
            return 1000
        return None

    app = BodyLimitMiddleware(raw_reader, max_bytes=100, limit_for=limit_for)
    async with client_for(app) as client:
        unlimited = await client.post("/backups/upload", content=b"x" * 5000)
        bigger = await client.post("/files/a", content=b"x" * 900)
        default = await client.post("/other", content=b"x" * 900)
    assert unlimited.text == "5000"
    assert bigger.text == "900"
    assert default.status_code == 413


async def test_413_honours_problem_json(client_for):
    async with client_for(BodyLimitMiddleware(raw_reader, max_bytes=10)) as client:
        resp = await client.post("/x", content=b"x" * 11, headers={"Accept": "application/problem+json"})
    assert resp.status_code == 413
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["title"] == "Request Entity Too Large"


async def test_limit_for_is_asked_only_when_a_body_can_come(client_for):
    """A GET without Content-Length has nothing to refuse or count: the route lookup is skipped,
    while a body of any method (declared, or chunked with no length) is still held to the limit."""
    asked: list[str] = []

    def limit_for(scope):
        asked.append(scope["method"])
        return 10

    app = BodyLimitMiddleware(raw_reader, max_bytes=100, limit_for=limit_for)
    async with client_for(app) as client:
        plain = await client.get("/x")
        declared = await client.request("GET", "/x", content=b"x" * 11)
        chunked = await client.post("/x", content=chunks(3, 5))
        fits = await client.post("/x", content=chunks(2, 5))
        # a GET's body can come chunked (or over HTTP/2) with no length, and a handler reads it
        # when it names a type: both keep the limit, checked through the edge's shortcut too
        chunked_get = await client.request("GET", "/x", content=chunks(3, 5))
        typed_get = await client.request(
            "GET", "/x", content=chunks(3, 5), headers={"content-type": "application/json"}
        )
    assert plain.text == "0"
    assert declared.status_code == chunked.status_code == chunked_get.status_code == 413
    assert typed_get.status_code == 413
    assert fits.text == "10"
    assert asked == ["GET", "POST", "POST", "GET", "GET"]
    assert not app.passes({"method": "GET", "headers": [(b"transfer-encoding", b"chunked")]})
    assert not app.passes({"method": "GET", "headers": [(b"content-type", b"application/json")]})
    assert app.passes({"method": "GET", "headers": [(b"accept", b"*/*")]})
