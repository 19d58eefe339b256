"""request-otp / auth-with-otp end to end through a real SMTP server."""

from __future__ import annotations

from bastion.auth import otp
from bastion.core.record_query import find_by_id
from tests.api.auth_otp.helpers import BASE, age_row, enable_otp, request_code
from tests.conftest import ApiClient
from tests.support.smtp_server import SmtpSink


async def test_full_otp_sign_in(mail_api: ApiClient, smtp: SmtpSink) -> None:
    user, _ = await mail_api.create_user("ola@example.com")
    await enable_otp(mail_api)
    otp_id, code = await request_code(mail_api, smtp, "ola@example.com")
    assert len(code) == 8
    [mail] = smtp.to("ola@example.com")
    assert otp_id in mail.html or code in mail.html

    r = await mail_api.request("POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["record"]["id"] == user["id"]
    assert body["record"]["email"] == "ola@example.com"
    assert "password" not in body["record"] and "tokenKey" not in body["record"]
    # The code reached the mailbox: the address is verified now.
    assert body["record"]["verified"] is True
    r = await mail_api.request("POST", f"{BASE}/auth-refresh", token=body["token"])
    assert r.status_code == 200

    # The stored code is a hash, never the code itself.
    rows = await mail_api.app.db.fetch_all('SELECT "password" FROM "_otps"')
    assert all(code not in str(row["password"]) for row in rows)


async def test_code_is_single_use(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("reuse@example.com")
    await enable_otp(mail_api)
    otp_id, code = await request_code(mail_api, smtp, "reuse@example.com")
    body = {"otpId": otp_id, "password": code}
    assert (await mail_api.request("POST", f"{BASE}/auth-with-otp", json=body)).status_code == 200
    r = await mail_api.request("POST", f"{BASE}/auth-with-otp", json=body)
    assert r.status_code == 400
    assert r.json() == {"data": {}, "message": "Invalid or expired OTP.", "status": 400}


async def test_wrong_code_then_right_code(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("typo@example.com")
    await enable_otp(mail_api)
    otp_id, code = await request_code(mail_api, smtp, "typo@example.com")
    wrong = "0" * 8 if code != "0" * 8 else "1" * 8
    r = await mail_api.request("POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": wrong})
    assert r.status_code == 400
    r = await mail_api.request("POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code})
    assert r.status_code == 200


async def test_expired_code_is_refused(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("late@example.com")
    await enable_otp(mail_api, duration=60)
    otp_id, code = await request_code(mail_api, smtp, "late@example.com")
    await age_row(mail_api, "_otps", otp_id, 61)
    r = await mail_api.request("POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code})
    assert r.status_code == 400
    assert r.json()["message"] == "Invalid or expired OTP."


async def test_unknown_email_gets_an_id_and_no_mail(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await enable_otp(mail_api)
    r = await mail_api.request("POST", f"{BASE}/request-otp", json={"email": "ghost@example.com"})
    assert r.status_code == 200
    assert len(r.json()["otpId"]) == 15
    assert smtp.inbox == []
    r = await mail_api.request(
        "POST", f"{BASE}/auth-with-otp", json={"otpId": r.json()["otpId"], "password": "12345678"}
    )
    assert r.status_code == 400


async def test_disabled_otp_and_form_errors(mail_api: ApiClient, smtp: SmtpSink) -> None:
    r = await mail_api.request("POST", f"{BASE}/request-otp", json={"email": "x@example.com"})
    assert r.status_code == 403
    assert r.json()["message"] == "The collection is not configured to allow OTP authentication."
    await enable_otp(mail_api)
    r = await mail_api.request("POST", f"{BASE}/request-otp", json={"email": "not-an-email"})
    assert r.status_code == 400
    assert r.json()["data"] == {
        "email": {"code": "validation_is_email", "message": "Must be a valid email address."}
    }
    r = await mail_api.request("POST", f"{BASE}/auth-with-otp", json={})
    assert r.status_code == 400
    assert set(r.json()["data"]) == {"otpId", "password"}


async def test_otp_of_another_collection_is_refused(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("cross@example.com")
    await enable_otp(mail_api)
    otp_id, code = await request_code(mail_api, smtp, "cross@example.com")
    await mail_api.su("PATCH", "/api/collections/_superusers", json={"otp": {"enabled": True}})
    r = await mail_api.request(
        "POST", "/api/collections/_superusers/auth-with-otp", json={"otpId": otp_id, "password": code}
    )
    assert r.status_code == 400


async def test_guessing_is_stopped_after_five_tries(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("guess@example.com")
    await enable_otp(mail_api)
    otp_id, code = await request_code(mail_api, smtp, "guess@example.com")
    wrong = "0" * 8 if code != "0" * 8 else "1" * 8
    statuses = []
    for _ in range(6):
        r = await mail_api.request("POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": wrong})
        statuses.append(r.status_code)
    assert statuses == [400] * 5 + [429]
    r = await mail_api.request("POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code})
    assert r.status_code == 429
    assert r.json()["message"] == "Too many attempts, please try again later with a new OTP."


async def test_after_ten_live_codes_the_newest_is_reused(mail_api: ApiClient, smtp: SmtpSink) -> None:
    user, _ = await mail_api.create_user("many@example.com")
    await enable_otp(mail_api)
    # Ten live codes already (made directly: the request rate limit would stop ten requests).
    record = await find_by_id(mail_api.app.db, mail_api.app.registry.find_collection("users"), user["id"])
    assert record is not None
    ids = [(await otp.create_otp(mail_api.app, record, "12345678")).id for _ in range(10)]
    r = await mail_api.request("POST", f"{BASE}/request-otp", json={"email": "many@example.com"})
    assert r.json()["otpId"] in ids
    assert smtp.inbox == []  # no eleventh mail
