"""`?fields=` on auth answers, applied as PocketBase 0.40.6 applies it to every successful JSON
answer (checked with the binary): `token,record.email` keeps just those; errors and the MFA
answer (401) are left whole."""

from __future__ import annotations

from bastion.auth import totp
from tests.api.auth_otp.helpers import MFA_ON, OTP_ON, enrol_totp
from tests.conftest import ApiClient

USERS = "/api/collections/users"


async def test_sign_in_answers_keep_only_the_fields_asked_for(api: ApiClient) -> None:
    user, token = await api.create_user("pick@example.com")
    login = {"identity": "pick@example.com", "password": "userpass123"}
    r = await api.request("POST", f"{USERS}/auth-with-password?fields=token,record.email", json=login)
    assert r.status_code == 200
    assert sorted(r.json()) == ["record", "token"] and r.json()["record"] == {"email": "pick@example.com"}
    r = await api.request("POST", f"{USERS}/auth-with-password?fields=record.email:excerpt(3)", json=login)
    assert r.json() == {"record": {"email": "pic"}}

    r = await api.request("POST", f"{USERS}/auth-refresh?fields=record.id", token=token)
    assert r.json() == {"record": {"id": user["id"]}}
    r = await api.su("POST", f"{USERS}/impersonate/{user['id']}?fields=record.id,nothing")
    assert r.json() == {"record": {"id": user["id"]}}
    r = await api.request("GET", f"{USERS}/auth-methods?fields=password,mfa.enabled")
    assert r.json() == {"mfa": {"enabled": False}, "password": {"enabled": True, "identityFields": ["email"]}}

    # an error is not picked
    bad = {"identity": "pick@example.com", "password": "wrong-password"}
    r = await api.request("POST", f"{USERS}/auth-with-password?fields=record.email", json=bad)
    assert r.json() == {"data": {}, "message": "Failed to authenticate.", "status": 400}


async def test_mfa_answers(api: ApiClient) -> None:
    _, token = await api.create_user("mfa-pick@example.com")
    secret = await enrol_totp(api, token)
    r = await api.su("PATCH", USERS, json={"mfa": MFA_ON, "otp": OTP_ON})
    assert r.status_code == 200
    login = {"identity": "mfa-pick@example.com", "password": "userpass123"}
    r = await api.request("POST", f"{USERS}/auth-with-password?fields=token", json=login)
    assert r.status_code == 401 and list(r.json()) == ["mfaId"]  # not a success: left whole
    code = totp.code_at(secret, totp.current_step())
    r = await api.request(
        "POST", f"{USERS}/auth-with-totp?fields=record.email", json={"mfaId": r.json()["mfaId"], "code": code}
    )
    assert r.json() == {"record": {"email": "mfa-pick@example.com"}}
