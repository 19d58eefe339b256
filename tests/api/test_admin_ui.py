"""/_/ serves the dashboard: index.html for app routes (never cached), hashed assets cached for a
year, a strict Content-Security-Policy everywhere; and the rule syntax check it calls."""

from __future__ import annotations

import json

from bastion.api.admin_ui import CSP
from bastion.ui import DIST
from tests.conftest import ApiClient

ASSETS = json.loads((DIST / "manifest.json").read_text())["assets"]


async def test_index_for_app_routes_with_strict_csp_and_no_cache(api: ApiClient) -> None:
    for path in ("/_/", "/_/collections/posts", "/_/anything/deep"):
        r = await api.http.get(path)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert r.headers["cache-control"] == "no-cache"
        assert r.headers["content-security-policy"] == CSP
        assert "script-src 'self';" in CSP and "unsafe-inline" not in CSP
        assert r.headers["x-frame-options"] == "DENY"
        assert f"/_/assets/{ASSETS['app.js']}" in r.text
    r = await api.http.get("/_")
    assert r.status_code == 301 and r.headers["location"] == "/_/"


async def test_hashed_assets_are_immutable(api: ApiClient) -> None:
    r = await api.http.get(f"/_/assets/{ASSETS['app.js']}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    r = await api.http.get(f"/_/assets/{ASSETS['style.css']}")
    assert r.headers["content-type"].startswith("text/css")


async def test_large_assets_go_out_precompressed_to_browsers_that_take_brotli(api: ApiClient) -> None:
    name = ASSETS["swagger_ui.js"]
    plain = (DIST / "assets" / name).read_bytes()
    assert (DIST / "assets" / f"{name}.br").is_file()
    r = await api.http.get(f"/_/assets/{name}", headers={"accept-encoding": "gzip, br"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "br"
    assert "Accept-Encoding" in r.headers["vary"]
    assert int(r.headers["content-length"]) < len(plain) / 3
    assert r.content == plain  # httpx decodes br
    r = await api.http.get(f"/_/assets/{name}", headers={"accept-encoding": "identity, br;q=0"})
    assert "content-encoding" not in r.headers and r.content == plain


async def test_api_reference_page_loads_swagger_ui_over_the_live_document(api: ApiClient) -> None:
    r = await api.http.get("/api/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP and r.headers["cache-control"] == "no-cache"
    for asset in ("swagger_ui.js", "swagger_ui.css", "api_docs.js"):
        assert f"/_/assets/{ASSETS[asset]}" in r.text
    script = (DIST / "assets" / ASSETS["api_docs.js"]).read_text()
    assert "/api/openapi.json" in script
    document = (await api.http.get("/api/openapi.json")).json()
    assert "/api/docs" in document["paths"]


async def test_unknown_or_crafted_asset_names_are_404(api: ApiClient) -> None:
    for path in ("/_/assets/app-NOPE1234.js", "/_/assets/..%2Fmanifest.json", "/_/assets/manifest.json"):
        r = await api.http.get(path)
        assert r.status_code == 404, path
        assert r.json()["status"] == 404


async def test_rule_check_reports_syntax_errors_to_superusers_only(api: ApiClient) -> None:
    r = await api.su("POST", "/api/bastion/rules/check", json={"rule": '@request.auth.id != "" && views > 1'})
    assert r.status_code == 200 and r.json() == {"valid": True}
    r = await api.su("POST", "/api/bastion/rules/check", json={"rule": "views > "})
    assert r.status_code == 400
    assert r.json()["data"]["rule"]["code"] == "validation_invalid_rule"
    assert r.json()["data"]["rule"]["message"]
    r = await api.su("POST", "/api/bastion/rules/check", json={})
    assert r.status_code == 400
    r = await api.request("POST", "/api/bastion/rules/check", json={"rule": "a = 1"})
    assert r.status_code == 401
    _, token = await api.create_user("someone@example.com")
    r = await api.request("POST", "/api/bastion/rules/check", token=token, json={"rule": "a = 1"})
    assert r.status_code == 403
