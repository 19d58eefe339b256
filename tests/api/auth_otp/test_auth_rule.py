"""`authRule` and `mfa.rule` as PocketBase 0.40.6 evaluates them (checked against the binary):
the rule must match the record being signed in, and `@request.auth` is the *caller* — nobody for
a password or OTP sign-in, the record itself for a refresh, a superuser for impersonation."""

from __future__ import annotations

from typing import Any

from tests.api.auth_otp.helpers import BASE, configure, request_code
from tests.conftest import ApiClient
from tests.support.smtp_server import SmtpSink

REFUSED = {
    "data": {},
    "message": "The request doesn't satisfy the collection requirements to authenticate.",
    "status": 403,
}


async def _password(api: ApiClient, email: str) -> Any:
    body = {"identity": email, "password": "userpass123"}
    return await api.request("POST", f"{BASE}/auth-with-password", json=body)


async def test_request_auth_is_the_caller_not_the_record(mail_api: ApiClient, smtp: SmtpSink) -> None:
    # verified: an OTP sign-in of an unverified user would replace its password (and tokens)
    user, token = await mail_api.create_user("caller@example.com", verified=True)
    await configure(mail_api, authRule='@request.auth.id != ""', otp={"enabled": True})
    r = await _password(mail_api, "caller@example.com")
    assert (r.status_code, r.json()) == (403, REFUSED)
    otp_id, code = await request_code(mail_api, smtp, "caller@example.com")
    r = await mail_api.request("POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code})
    assert (r.status_code, r.json()) == (403, REFUSED)
    # a superuser caller passes whatever the rule says
    r = await mail_api.su("POST", f"{BASE}/impersonate/{user['id']}", json={"duration": 60})
    assert r.status_code == 200, r.text
    # a refresh is sent by the record itself, so the same rule lets it through (the token from
    # before the rule change no longer works: a new rule signs everyone out)
    assert (await mail_api.request("POST", f"{BASE}/auth-refresh", token=token)).status_code == 401
    r = await mail_api.request("POST", f"{BASE}/auth-refresh", token=r.json()["token"])
    assert r.status_code == 200, r.text


async def test_guest_only_rule_refuses_the_refresh(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("guest@example.com")
    await configure(mail_api, authRule='@request.auth.id = ""')
    r = await _password(mail_api, "guest@example.com")
    assert r.status_code == 200, r.text
    r = await mail_api.request("POST", f"{BASE}/auth-refresh", token=r.json()["token"])
    assert (r.status_code, r.json()) == (403, REFUSED)


async def test_record_fields_are_the_signed_in_record(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("named@example.com", name="ok")
    await mail_api.create_user("other@example.com", name="no")
    await configure(mail_api, authRule='name = "ok"')
    assert (await _password(mail_api, "named@example.com")).status_code == 200
    r = await _password(mail_api, "other@example.com")
    assert (r.status_code, r.json()) == (403, REFUSED)
    # `@request.auth.name` is the caller's: empty for a guest, even if the record's name matches
    await configure(mail_api, authRule='@request.auth.name = "ok"')
    r = await _password(mail_api, "named@example.com")
    assert (r.status_code, r.json()) == (403, REFUSED)


async def test_mfa_rule_sees_the_caller_too(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("mfa@example.com", name="x")
    mfa = {"enabled": True, "duration": 600, "rule": '@request.auth.id != ""'}
    await configure(mail_api, mfa=mfa, otp={"enabled": True})
    r = await _password(mail_api, "mfa@example.com")
    assert r.status_code == 200 and r.json()["token"], r.text  # a guest caller: no second factor
    await configure(mail_api, mfa={**mfa, "rule": 'name = "x"'})
    r = await _password(mail_api, "mfa@example.com")
    assert r.status_code == 401 and list(r.json()) == ["mfaId"]


async def test_a_new_auth_rule_signs_everyone_out(mail_api: ApiClient, smtp: SmtpSink) -> None:
    """PocketBase 0.40.6 replaces the collection's auth token secret when the authRule changes."""
    _, token = await mail_api.create_user("out@example.com")
    await configure(mail_api, passwordAuth={"enabled": True})  # other options: tokens stay valid
    assert (await mail_api.request("POST", f"{BASE}/auth-refresh", token=token)).status_code == 200
    await configure(mail_api, authRule="verified = false")
    r = await mail_api.request("POST", f"{BASE}/auth-refresh", token=token)
    assert r.status_code == 401
    r = await _password(mail_api, "out@example.com")
    assert r.status_code == 200, r.text  # a new sign-in under the new rule works
