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
