"""impersonate: superusers only, a non-refreshable token for the given duration."""

from __future__ import annotations

import time

import jwt

from tests.conftest import ApiClient

BASE = "/api/collections/users"


async def test_superuser_impersonates(api: ApiClient) -> None:
    user, _ = await api.create_user("imp@example.com")
    r = await api.su("POST", f"{BASE}/impersonate/{user['id']}", json={"duration": 120})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["record"]["id"] == user["id"] and body["record"]["email"] == "imp@example.com"
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["refreshable"] is False and claims["type"] == "auth"
    assert 0 < claims["exp"] - time.time() <= 121
    # The token works for requests; a refresh hands back the same token (PocketBase does too).
    r = await api.request("GET", f"{BASE}/records/{user['id']}", token=body["token"])
    assert r.status_code == 200
    r = await api.request("POST", f"{BASE}/auth-refresh", token=body["token"])
    assert r.status_code == 200 and r.json()["token"] == body["token"]


async def test_user_cannot_impersonate(api: ApiClient) -> None:
    user, token = await api.create_user("me@example.com")
    other, _ = await api.create_user("other@example.com")
    r = await api.request("POST", f"{BASE}/impersonate/{other['id']}", token=token, json={})
    assert r.status_code == 403
    assert r.json()["message"] == "The authorized record is not allowed to perform this action."
    r = await api.request("POST", f"{BASE}/impersonate/{other['id']}", json={})
    assert r.status_code == 401


async def test_missing_record_and_bad_duration(api: ApiClient) -> None:
    r = await api.su("POST", f"{BASE}/impersonate/nosuchrecord123", json={})
    assert r.status_code == 404
    user, _ = await api.create_user("neg@example.com")
    r = await api.su("POST", f"{BASE}/impersonate/{user['id']}", json={"duration": -1})
    assert r.status_code == 400
    assert r.json()["data"] == {
        "duration": {
            "code": "validation_min_greater_equal_than_required",
            "message": "Must be no less than 0.",
            "params": {"threshold": 0},
        }
    }
