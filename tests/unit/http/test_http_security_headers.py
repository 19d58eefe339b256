"""Security headers, as the edge layer (bastion/http/edge.py) adds them."""

from __future__ import annotations

from bastion.http.cors import CorsPolicy
from bastion.http.edge import EdgeMiddleware


def with_edge(app, hsts=True):
    return EdgeMiddleware(app, CorsPolicy(), hsts=hsts)


def make_app(extra_headers=()):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": list(extra_headers)})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


async def test_default_headers_present_and_no_hsts_over_http(client_for):
    async with client_for(with_edge(make_app())) as client:
        resp = await client.get("/")
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert resp.headers["x-frame-options"] == "SAMEORIGIN"
    assert "strict-transport-security" not in resp.headers


async def test_hsts_only_over_https_and_only_when_enabled(client_for):
    async with client_for(with_edge(make_app()), base_url="https://testserver") as client:
        resp = await client.get("/")
    assert resp.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    app = with_edge(make_app(), hsts=False)
    async with client_for(app, base_url="https://testserver") as client:
        resp = await client.get("/")
    assert "strict-transport-security" not in resp.headers


async def test_app_values_win(client_for):
    app = with_edge(make_app([(b"x-frame-options", b"DENY")]))
    async with client_for(app) as client:
        resp = await client.get("/")
    assert resp.headers.get_list("x-frame-options") == ["DENY"]


async def test_alt_svc_only_over_https_and_only_when_given(client_for):
    """The HTTP/3 listener's advertisement: https answers, with or without HSTS; never plain http."""
    alt_svc = b'h3=":8443"; ma=86400'
    for hsts in (True, False):
        app = EdgeMiddleware(make_app(), CorsPolicy(), hsts=hsts, alt_svc=alt_svc)
        async with client_for(app, base_url="https://testserver") as client:
            resp = await client.get("/")
        assert resp.headers.get_list("alt-svc") == [alt_svc.decode()]
        assert ("strict-transport-security" in resp.headers) is hsts
        async with client_for(app) as client:
            assert "alt-svc" not in (await client.get("/")).headers
    async with client_for(with_edge(make_app()), base_url="https://testserver") as client:
        assert "alt-svc" not in (await client.get("/")).headers
