"""MFA: password then OTP (and the reverse), the mfa rule, expiry and misuse."""

from __future__ import annotations

from typing import Any

from tests.api.auth_otp.helpers import BASE, age_row, configure, enable_otp, request_code
from tests.conftest import ApiClient
from tests.support.smtp_server import SmtpSink

MFA_ON = {"enabled": True, "duration": 600, "rule": ""}


async def _password(api: ApiClient, email: str, **extra: Any) -> Any:
    body = {"identity": email, "password": "userpass123", **extra}
    return await api.request("POST", f"{BASE}/auth-with-password", json=body)


async def test_password_then_otp(mail_api: ApiClient, smtp: SmtpSink) -> None:
    user, _ = await mail_api.create_user("two@example.com")
    await enable_otp(mail_api, mfa=MFA_ON)
    r = await _password(mail_api, "two@example.com")
    assert r.status_code == 401
    assert list(r.json()) == ["mfaId"]  # PocketBase's exact body: no token, no record
    mfa_id = r.json()["mfaId"]

    otp_id, code = await request_code(mail_api, smtp, "two@example.com")
    r = await mail_api.request(
        "POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code, "mfaId": mfa_id}
    )
    assert r.status_code == 200, r.text
    assert r.json()["record"]["id"] == user["id"] and r.json()["token"]
    # The session is used up.
    assert await mail_api.app.db.fetch_all('SELECT "id" FROM "_mfas"') == []


async def test_otp_then_password_with_mfa_id_in_query(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("rev@example.com")
    await enable_otp(mail_api, mfa=MFA_ON)
    otp_id, code = await request_code(mail_api, smtp, "rev@example.com")
    r = await mail_api.request("POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code})
    assert r.status_code == 401
    mfa_id = r.json()["mfaId"]
    r = await mail_api.request(
        "POST",
        f"{BASE}/auth-with-password?mfaId={mfa_id}",
        json={"identity": "rev@example.com", "password": "userpass123"},
    )
    assert r.status_code == 200, r.text


async def test_same_method_twice_is_refused(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("same@example.com")
    await enable_otp(mail_api, mfa=MFA_ON)
    mfa_id = (await _password(mail_api, "same@example.com")).json()["mfaId"]
    r = await _password(mail_api, "same@example.com", mfaId=mfa_id)
    assert r.status_code == 400
    assert r.json()["message"] == "A different authentication method is required."


async def test_expired_session(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("slow@example.com")
    await enable_otp(mail_api, mfa={**MFA_ON, "duration": 60})
    mfa_id = (await _password(mail_api, "slow@example.com")).json()["mfaId"]
    await age_row(mail_api, "_mfas", mfa_id, 61)
    otp_id, code = await request_code(mail_api, smtp, "slow@example.com")
    r = await mail_api.request(
        "POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code, "mfaId": mfa_id}
    )
    assert r.status_code == 400
    assert r.json()["message"] == "Invalid or expired MFA session."


async def test_session_of_another_user(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("a1@example.com")
    await mail_api.create_user("b1@example.com")
    await enable_otp(mail_api, mfa=MFA_ON)
    mfa_id = (await _password(mail_api, "a1@example.com")).json()["mfaId"]
    otp_id, code = await request_code(mail_api, smtp, "b1@example.com")
    r = await mail_api.request(
        "POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code, "mfaId": mfa_id}
    )
    assert r.status_code == 400
    assert r.json()["message"] == "Invalid MFA session."


async def test_rule_decides_who_needs_mfa(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("boss@example.com", name="boss")
    await mail_api.create_user("staff@example.com", name="staff")
    await configure(mail_api, mfa={**MFA_ON, "rule": "name = 'boss'"}, otp={"enabled": True})
    assert (await _password(mail_api, "boss@example.com")).status_code == 401
    r = await _password(mail_api, "staff@example.com")
    assert r.status_code == 200 and r.json()["record"]["email"] == "staff@example.com"


async def test_auth_methods_reports_mfa(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await enable_otp(mail_api, mfa=MFA_ON)
    r = await mail_api.request("GET", f"{BASE}/auth-methods")
    assert r.json()["mfa"] == {"duration": 600, "enabled": True}
    assert r.json()["otp"] == {"duration": 180, "enabled": True}


async def test_auth_rule_refuses_as_pocketbase(mail_api: ApiClient, smtp: SmtpSink) -> None:
    _, token = await mail_api.create_user("rule@example.com")
    await configure(mail_api, authRule="verified = true", otp={"enabled": True})
    refused = {
        "data": {},
        "message": "The request doesn't satisfy the collection requirements to authenticate.",
        "status": 403,
    }
    r = await _password(mail_api, "rule@example.com")
    assert (r.status_code, r.json()) == (403, refused)
    # the token predates the rule, which signs everyone out (test_auth_rule.py has the refresh 403)
    r = await mail_api.request("POST", f"{BASE}/auth-refresh", token=token)
    assert r.status_code == 401
    await configure(mail_api, authRule=None)
    r = await _password(mail_api, "rule@example.com")
    assert (r.status_code, r.json()) == (403, refused)
