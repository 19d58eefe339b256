"""CORS, as the edge layer (bastion/http/edge.py) applies it."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from bastion.http.cors import CorsPolicy
from bastion.http.edge import EdgeMiddleware

CALLS: list[str] = []


async def endpoint(request):
    CALLS.append(request.method)
    return JSONResponse({"ok": True})


INNER = Starlette(routes=[Route("/api/x", endpoint, methods=["GET", "POST", "OPTIONS"])])


def with_cors(app, **policy):
    """The edge layer with this CORS policy (its other concerns at their defaults)."""
    return EdgeMiddleware(app, CorsPolicy(**policy))


PREFLIGHT = {
    "Origin": "https://app.example.com",
    "Access-Control-Request-Method": "PATCH",
    "Access-Control-Request-Headers": "content-type, authorization",
}


async def test_default_allows_every_origin_with_star_like_pocketbase(client_for):
    async with client_for(with_cors(INNER)) as client:
        resp = await client.get("/api/x", headers={"Origin": "https://anything.test"})
        no_origin = await client.get("/api/x")
    assert resp.headers["access-control-allow-origin"] == "*"
    assert resp.headers["vary"] == "Origin"
    assert "access-control-allow-credentials" not in resp.headers
    assert "access-control-allow-origin" not in no_origin.headers
    assert no_origin.headers["vary"] == "Origin"


async def test_preflight_answered_with_204_without_calling_the_app(client_for):
    CALLS.clear()
    async with client_for(with_cors(INNER, max_age=600)) as client:
        resp = await client.options("/api/x", headers=PREFLIGHT)
    assert resp.status_code == 204
    assert resp.content == b""
    assert resp.headers["access-control-allow-origin"] == "*"
    assert resp.headers["access-control-allow-methods"] == "GET,HEAD,PUT,PATCH,POST,DELETE"
    assert resp.headers["access-control-allow-headers"] == "content-type, authorization"
    assert resp.headers["access-control-max-age"] == "600"
    vary = [v.strip() for v in resp.headers["vary"].split(",")]
    assert vary == ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]
    assert CALLS == []


async def test_plain_options_without_origin_is_a_bare_204_like_pocketbase(client_for):
    async with client_for(with_cors(INNER)) as client:
        resp = await client.options("/api/x")
    assert resp.status_code == 204
    assert "access-control-allow-origin" not in resp.headers
    assert resp.headers["vary"] == "Origin"


async def test_max_age_zero_omits_the_header(client_for):
    async with client_for(with_cors(INNER, max_age=0)) as client:
        resp = await client.options("/api/x", headers=PREFLIGHT)
    assert "access-control-max-age" not in resp.headers


async def test_configured_origins_only_listed_ones_get_headers(client_for):
    app = with_cors(INNER, allow_origins=["https://app.example.com", "https://*.trusted.test"])
    async with client_for(app) as client:
        listed = await client.get("/api/x", headers={"Origin": "https://app.example.com"})
        pattern = await client.get("/api/x", headers={"Origin": "https://a.b.trusted.test"})
        other = await client.get("/api/x", headers={"Origin": "https://evil.test"})
        other_preflight = await client.options("/api/x", headers={**PREFLIGHT, "Origin": "https://evil.test"})
    assert listed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert pattern.headers["access-control-allow-origin"] == "https://a.b.trusted.test"
    assert "access-control-allow-origin" not in other.headers
    assert other.status_code == 200 and other.headers["vary"] == "Origin"
    assert other_preflight.status_code == 204
    assert "access-control-allow-methods" not in other_preflight.headers


async def test_credentials_only_with_a_concrete_origin(client_for):
    concrete = with_cors(INNER, allow_origins=["https://app.example.com"], allow_credentials=True)
    wildcard = with_cors(INNER, allow_origins=["*"], allow_credentials=True)
    async with client_for(concrete) as client:
        resp = await client.get("/api/x", headers={"Origin": "https://app.example.com"})
        pre = await client.options("/api/x", headers=PREFLIGHT)
    assert resp.headers["access-control-allow-origin"] == "https://app.example.com"
    assert resp.headers["access-control-allow-credentials"] == "true"
    assert pre.headers["access-control-allow-credentials"] == "true"
    async with client_for(wildcard) as client:
        resp = await client.get("/api/x", headers={"Origin": "https://x.test"})
    assert resp.headers["access-control-allow-origin"] == "https://x.test"
    assert resp.headers["access-control-allow-credentials"] == "true"


async def test_vary_merges_with_the_apps_own(client_for):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"vary", b"Accept")]})
        await send({"type": "http.response.body", "body": b"{}"})

    async with client_for(with_cors(app)) as client:
        resp = await client.get("/", headers={"Origin": "https://a.test"})
    assert resp.headers.get_list("vary") == ["Accept, Origin"]
