"""TOTP (Bastion's addition): setup, confirm, then a second factor after the password."""

from __future__ import annotations

import time

from bastion.auth import totp
from tests.api.auth_otp.helpers import BASE, MFA_ON, OTP_ON, configure, enrol_totp
from tests.conftest import ApiClient


def test_rfc6238_reference_vector() -> None:
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits) -> the last 6 digits.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp.code_at(secret, 59 // 30) == "287082"
    assert totp.matching_step(secret, "287082", now=59) == 1
    assert totp.matching_step(secret, "287082", now=59 + 90) is None


async def test_password_then_totp(api: ApiClient) -> None:
    user, token = await api.create_user("tim@example.com")
    secret = await enrol_totp(api, token)
    r = await api.request("GET", f"{BASE}/totp", token=token)
    assert r.json() == {"enabled": True}
    await configure(api, mfa=MFA_ON, otp=OTP_ON)

    r = await api.request(
        "POST", f"{BASE}/auth-with-password", json={"identity": "tim@example.com", "password": "userpass123"}
    )
    assert r.status_code == 401
    mfa_id = r.json()["mfaId"]
    code = totp.code_at(secret, totp.current_step())
    r = await api.request("POST", f"{BASE}/auth-with-totp", json={"mfaId": mfa_id, "code": code})
    assert r.status_code == 200, r.text
    assert r.json()["record"]["id"] == user["id"] and r.json()["record"]["email"] == "tim@example.com"

    # The same code cannot be replayed in a new session.
    r = await api.request(
        "POST", f"{BASE}/auth-with-password", json={"identity": "tim@example.com", "password": "userpass123"}
    )
    r = await api.request("POST", f"{BASE}/auth-with-totp", json={"mfaId": r.json()["mfaId"], "code": code})
    assert r.status_code == 400


async def test_wrong_code_and_unconfirmed_secret(api: ApiClient) -> None:
    _, token = await api.create_user("una@example.com")
    r = await api.request("POST", f"{BASE}/totp-setup", token=token)
    secret = r.json()["secret"]
    wrong = "000000" if totp.code_at(secret, totp.current_step()) != "000000" else "111111"
    r = await api.request("POST", f"{BASE}/totp-confirm", token=token, json={"code": wrong})
    assert r.status_code == 400
    assert r.json()["data"] == {"code": {"code": "validation_invalid_code", "message": "Invalid code."}}
    await configure(api, mfa=MFA_ON, otp=OTP_ON)
    r = await api.request(
        "POST", f"{BASE}/auth-with-password", json={"identity": "una@example.com", "password": "userpass123"}
    )
    # Not confirmed yet: the current code is refused as a factor.
    code = totp.code_at(secret, totp.current_step())
    r = await api.request("POST", f"{BASE}/auth-with-totp", json={"mfaId": r.json()["mfaId"], "code": code})
    assert r.status_code == 400


async def test_remove_and_auth_required(api: ApiClient) -> None:
    _, token = await api.create_user("rem@example.com")
    await enrol_totp(api, token)
    assert (await api.request("DELETE", f"{BASE}/totp", token=token)).status_code == 204
    assert (await api.request("GET", f"{BASE}/totp", token=token)).json() == {"enabled": False}
    assert (await api.request("POST", f"{BASE}/totp-setup")).status_code == 401


async def test_totp_table_is_not_a_collection(api: ApiClient) -> None:
    _, token = await api.create_user("hid@example.com")
    await enrol_totp(api, token)
    r = await api.su("GET", "/api/collections/_totps")
    assert r.status_code == 404


def test_drift_window() -> None:
    secret = totp.new_secret()
    now = time.time()
    step = totp.current_step(now)
    assert totp.matching_step(secret, totp.code_at(secret, step + 1), now) == step + 1
    assert totp.matching_step(secret, totp.code_at(secret, step + 3), now) is None


async def test_totp_sign_in_opens_a_cookie_session(api: ApiClient) -> None:
    """A browser app that opted in to cookie sessions gets its cookies when MFA ends with TOTP, as
    with every other sign-in method."""
    _, token = await api.create_user("tia@example.com")
    secret = await enrol_totp(api, token)
    await configure(api, mfa=MFA_ON, otp=OTP_ON)
    opt_in = {"X-Bastion-Session": "cookie"}
    r = await api.request(
        "POST",
        f"{BASE}/auth-with-password",
        json={"identity": "tia@example.com", "password": "userpass123"},
        headers=opt_in,
    )
    assert r.status_code == 401 and "set-cookie" not in r.headers
    code = totp.code_at(secret, totp.current_step())
    r = await api.request(
        "POST", f"{BASE}/auth-with-totp", json={"mfaId": r.json()["mfaId"], "code": code}, headers=opt_in
    )
    assert r.status_code == 200, r.text
    cookies = r.headers.get_list("set-cookie")
    assert any(c.startswith(f"bastion_session={r.json()['token']};") for c in cookies), cookies
