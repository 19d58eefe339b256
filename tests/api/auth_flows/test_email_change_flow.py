"""request-email-change / confirm-email-change, end to end through a real SMTP server."""

from __future__ import annotations

import jwt

from tests.conftest import ApiClient
from tests.support.smtp_server import SmtpSink

BASE = "/api/collections/users"


async def _request(api: ApiClient, token: str | None, new_email: str) -> tuple[int, dict]:
    r = await api.request("POST", f"{BASE}/request-email-change", token=token, json={"newEmail": new_email})
    return r.status_code, (r.json() if r.content else {})


async def test_email_change_end_to_end(mail_api: ApiClient, smtp: SmtpSink) -> None:
    user, auth = await mail_api.create_user("old@example.com", password="pass12345")
    status, _ = await _request(mail_api, auth, "new@example.com")
    assert status == 204
    assert smtp.to("old@example.com") == []  # the link goes to the new address only
    [mail] = smtp.to("new@example.com")
    token = mail.link_token("confirm-email-change")
    assert f"http://app.test/_/#/auth/confirm-email-change/{token}" in mail.html
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["type"] == "emailChange"
    assert (claims["email"], claims["newEmail"]) == ("old@example.com", "new@example.com")

    r = await mail_api.request(
        "POST", f"{BASE}/confirm-email-change", json={"token": token, "password": "wrong-pass"}
    )
    assert r.status_code == 400
    assert r.json()["data"] == {
        "password": {
            "code": "validation_invalid_password",
            "message": "Missing or invalid auth record password.",
        }
    }

    r = await mail_api.request(
        "POST", f"{BASE}/confirm-email-change", json={"token": token, "password": "pass12345"}
    )
    assert r.status_code == 204, r.text
    r = await mail_api.su("GET", f"{BASE}/records/{user['id']}")
    assert (r.json()["email"], r.json()["verified"]) == ("new@example.com", True)
    r = await mail_api.request(
        "POST", f"{BASE}/auth-with-password", json={"identity": "new@example.com", "password": "pass12345"}
    )
    assert r.status_code == 200
    # The email change rotated tokenKey: old sessions end and the token cannot be replayed.
    r = await mail_api.request("POST", f"{BASE}/auth-refresh", token=auth)
    assert r.status_code == 401
    r = await mail_api.request(
        "POST", f"{BASE}/confirm-email-change", json={"token": token, "password": "pass12345"}
    )
    assert r.status_code == 400
    assert r.json()["data"]["token"]["code"] == "validation_invalid_token"


async def test_request_needs_the_owner(mail_api: ApiClient, smtp: SmtpSink) -> None:
    status, body = await _request(mail_api, None, "x@example.com")
    assert (status, body["message"]) == (401, "The request requires valid record authorization token.")
    status, body = await _request(mail_api, mail_api.superuser_token, "x@example.com")
    assert (status, body["message"]) == (403, "The request requires auth record from _superusers collection.")
    r = await mail_api.su(
        "POST", "/api/collections/_superusers/request-email-change", json={"newEmail": "x@example.com"}
    )
    assert (r.status_code, r.json()["message"]) == (400, "All superusers can change their emails directly.")
    assert smtp.inbox == []


async def test_request_validation(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("taken@example.com")
    _, auth = await mail_api.create_user("me@example.com")
    cases = {
        "": "validation_required",
        "bad": "validation_is_email",
        "me@example.com": "validation_not_in_invalid",
        "taken@example.com": "validation_invalid_new_email",
    }
    for new_email, code in cases.items():
        status, body = await _request(mail_api, auth, new_email)
        assert status == 400
        assert body["message"] == "An error occurred while validating the submitted data."
        assert body["data"]["newEmail"]["code"] == code
    assert smtp.inbox == []


async def test_confirm_errors(mail_api: ApiClient, smtp: SmtpSink) -> None:
    r = await mail_api.request("POST", f"{BASE}/confirm-email-change", json={})
    assert r.json()["data"] == {
        "password": {"code": "validation_required", "message": "Cannot be blank."},
        "token": {"code": "validation_required", "message": "Cannot be blank."},
    }
    r = await mail_api.request("POST", f"{BASE}/confirm-email-change", json={"token": "x", "password": "y"})
    assert r.json()["data"] == {
        "password": {
            "code": "validation_invalid_password",
            "message": "Missing or invalid auth record password.",
        },
        "token": {
            "code": "validation_invalid_token_payload",
            "message": "Invalid token payload - newEmail must be set.",
        },
    }
    # The new address was taken after the request: the token no longer applies.
    _, auth = await mail_api.create_user("first@example.com", password="pass12345")
    assert (await _request(mail_api, auth, "wanted@example.com"))[0] == 204
    token = smtp.to("wanted@example.com")[0].link_token("confirm-email-change")
    await mail_api.create_user("wanted@example.com")
    r = await mail_api.request(
        "POST", f"{BASE}/confirm-email-change", json={"token": token, "password": "pass12345"}
    )
    assert r.status_code == 400
    assert r.json()["data"]["token"]["code"] == "validation_invalid_token_email"


async def test_request_reports_a_mail_failure(api: ApiClient, smtp: SmtpSink) -> None:
    patch = smtp.settings_patch()
    smtp.stop()
    assert (await api.su("PATCH", "/api/settings", json=patch)).status_code == 200
    _, auth = await api.create_user("mf@example.com")
    status, body = await _request(api, auth, "mf2@example.com")
    assert (status, body["message"]) == (400, "Failed to request email change.")
