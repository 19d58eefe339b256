"""Superuser/user password auth and tokens; the batch API; settings; health."""

from __future__ import annotations

import base64
import json

import jwt


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_superuser_auth_shape(api):
    r = await api.request(
        "POST",
        "/api/collections/_superusers/auth-with-password",
        json={"identity": "admin@example.com", "password": "adminpass1234"},
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"record", "token"}
    assert body["record"]["collectionId"] == "pbc_3142635823"
    assert body["record"]["email"] == "admin@example.com"
    assert "password" not in body["record"] and "tokenKey" not in body["record"]
    claims = _claims(body["token"])
    assert set(claims) == {"collectionId", "exp", "id", "refreshable", "type"}
    assert claims["type"] == "auth" and claims["refreshable"] is True


async def test_wrong_password_and_unknown_identity_look_the_same(api):
    a = await api.request(
        "POST",
        "/api/collections/_superusers/auth-with-password",
        json={"identity": "admin@example.com", "password": "wrong-password"},
    )
    b = await api.request(
        "POST",
        "/api/collections/_superusers/auth-with-password",
        json={"identity": "nobody@example.com", "password": "wrong-password"},
    )
    assert a.status_code == b.status_code == 400
    assert a.json() == b.json()


async def test_auth_refresh_and_forged_tokens(api):
    r = await api.su("POST", "/api/collections/_superusers/auth-refresh")
    assert r.status_code == 200 and r.json()["record"]["email"] == "admin@example.com"
    claims = _claims(api.superuser_token)
    forged = jwt.encode(claims, "not-the-real-signing-key-but-long-enough", algorithm="HS256")
    assert (
        await api.request("POST", "/api/collections/_superusers/auth-refresh", token=forged)
    ).status_code == 401
    none_alg = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
    assert (
        await api.request("POST", "/api/collections/_superusers/auth-refresh", token=none_alg)
    ).status_code == 401
    # A user's token is not a superuser token.
    _, user_token = await api.create_user("u@example.com")
    assert (await api.request("GET", "/api/collections", token=user_token)).status_code == 403


async def test_password_change_invalidates_old_tokens(api):
    user, token = await api.create_user("c@example.com", password="firstpass1")
    r = await api.request(
        "PATCH",
        f"/api/collections/users/records/{user['id']}",
        token=token,
        json={"password": "secondpass2", "passwordConfirm": "secondpass2", "oldPassword": "firstpass1"},
    )
    assert r.status_code == 200, r.text
    assert (await api.request("POST", "/api/collections/users/auth-refresh", token=token)).status_code == 401


async def test_batch_disabled_by_default_then_atomic(api):
    await api.create_collection(
        {
            "name": "notes",
            "createRule": "",
            "listRule": "",
            "fields": [{"name": "t", "type": "text", "required": True}],
        }
    )
    req = {"requests": [{"method": "POST", "url": "/api/collections/notes/records", "body": {"t": "a"}}]}
    assert (await api.su("POST", "/api/batch", json=req)).status_code == 403
    r = await api.su("PATCH", "/api/settings", json={"batch": {"enabled": True}})
    assert r.status_code == 200, r.text
    ok = await api.su(
        "POST",
        "/api/batch",
        json={
            "requests": [
                {"method": "POST", "url": "/api/collections/notes/records", "body": {"t": "a"}},
                {"method": "POST", "url": "/api/collections/notes/records?fields=t", "body": {"t": "b"}},
            ]
        },
    )
    assert ok.status_code == 200, ok.text
    assert [x["status"] for x in ok.json()] == [200, 200]
    assert ok.json()[1]["body"] == {"t": "b"}
    bad = await api.su(
        "POST",
        "/api/batch",
        json={
            "requests": [
                {"method": "POST", "url": "/api/collections/notes/records", "body": {"t": "c"}},
                {"method": "POST", "url": "/api/collections/notes/records", "body": {}},
            ]
        },
    )
    assert bad.status_code == 400
    assert bad.json()["data"]["requests"]["1"]["code"] == "batch_request_failed"
    total = (await api.su("GET", "/api/collections/notes/records")).json()["totalItems"]
    assert total == 2  # "c" was rolled back with the failing request


async def test_settings_masks_secrets(api):
    r = await api.su(
        "PATCH", "/api/settings", json={"smtp": {"password": "hunter2"}, "meta": {"appName": "Demo"}}
    )
    assert r.status_code == 200, r.text
    got = (await api.su("GET", "/api/settings")).json()
    assert got["meta"]["appName"] == "Demo"
    assert "hunter2" not in json.dumps(got)
    assert (await api.request("GET", "/api/settings")).status_code == 401


async def test_health(api):
    r = await api.request("GET", "/api/health")
    assert r.status_code == 200
    assert r.json()["message"] == "API is healthy."


async def test_users_cannot_mark_themselves_verified(api):
    r = await api.request(
        "POST",
        "/api/collections/users/records",
        json={
            "email": "v@example.com",
            "password": "userpass123",
            "passwordConfirm": "userpass123",
            "verified": True,
        },
    )
    assert r.status_code == 400
    assert r.json()["data"]["verified"]["code"] == "validation_values_mismatch"
    user, token = await api.create_user("w@example.com")
    r = await api.request(
        "PATCH", f"/api/collections/users/records/{user['id']}", token=token, json={"verified": True}
    )
    assert r.status_code == 400
    r = await api.su("PATCH", f"/api/collections/users/records/{user['id']}", json={"verified": True})
    assert r.status_code == 200 and r.json()["verified"] is True


async def test_managers_may_create_verified_users(api):
    """PocketBase 0.40.6 (checked against the binary): a caller whose manageRule matches the new
    record may set `verified` on create; anyone else gets the same 400 as a guest."""
    users = api.app.registry.find_collection("users")
    rule = '@request.auth.name = "admin" && name != "boss"'
    r = await api.su("PATCH", f"/api/collections/{users.id}", json={"manageRule": rule})
    assert r.status_code == 200, r.text
    _, admin = await api.create_user("admin@example.com", name="admin")
    _, plain = await api.create_user("plain@example.com", name="plain")

    def body(email, **extra):
        return {"email": email, "password": "userpass123", "passwordConfirm": "userpass123", **extra}

    r = await api.request(
        "POST", "/api/collections/users/records", token=admin, json=body("m@example.com", verified=True)
    )
    assert r.status_code == 200, r.text
    assert r.json()["verified"] is True
    # the rule is evaluated on the would-be record: this one is outside the admin's management
    r = await api.request(
        "POST",
        "/api/collections/users/records",
        token=admin,
        json=body("b@example.com", verified=True, name="boss"),
    )
    assert r.status_code == 400 and r.json()["data"]["verified"]["code"] == "validation_values_mismatch"
    r = await api.request(
        "POST", "/api/collections/users/records", token=plain, json=body("p@example.com", verified=True)
    )
    assert r.status_code == 400 and r.json()["data"]["verified"]["code"] == "validation_values_mismatch"
