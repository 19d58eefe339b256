"""request-password-reset / confirm-password-reset, end to end through a real SMTP server."""

from __future__ import annotations

import jwt
import pytest

from tests.conftest import ApiClient, settle_jobs
from tests.support.smtp_server import SmtpSink

BASE = "/api/collections/users"


async def _login(api: ApiClient, email: str, password: str) -> int:
    r = await api.request(
        "POST", f"{BASE}/auth-with-password", json={"identity": email, "password": password}
    )
    return r.status_code


async def _reset_token(api: ApiClient, smtp: SmtpSink, email: str) -> str:
    r = await api.request("POST", f"{BASE}/request-password-reset", json={"email": email})
    assert r.status_code == 204
    return smtp.to(email)[-1].link_token("confirm-password-reset")


async def test_reset_changes_password_and_ends_old_sessions(mail_api: ApiClient, smtp: SmtpSink) -> None:
    user, old_token = await mail_api.create_user("cy@example.com", password="oldpass123")
    token = await _reset_token(mail_api, smtp, "cy@example.com")
    [mail] = smtp.to("cy@example.com")
    assert f"http://app.test/_/#/auth/confirm-password-reset/{token}" in mail.html
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["type"] == "passwordReset" and claims["email"] == "cy@example.com"

    body = {"token": token, "password": "newpass123", "passwordConfirm": "newpass123"}
    r = await mail_api.request("POST", f"{BASE}/confirm-password-reset", json=body)
    assert r.status_code == 204, r.text

    assert await _login(mail_api, "cy@example.com", "newpass123") == 200
    assert await _login(mail_api, "cy@example.com", "oldpass123") == 400
    r = await mail_api.request("POST", f"{BASE}/auth-refresh", token=old_token)
    assert r.status_code == 401
    # The mail reached its owner: the address counts as verified now.
    r = await mail_api.su("GET", f"{BASE}/records/{user['id']}")
    assert r.json()["verified"] is True

    # The token was signed with the old tokenKey: it cannot be replayed.
    body = {"token": token, "password": "third-pass1", "passwordConfirm": "third-pass1"}
    r = await mail_api.request("POST", f"{BASE}/confirm-password-reset", json=body)
    assert r.status_code == 400
    assert r.json()["data"] == {
        "token": {"code": "validation_invalid_token", "message": "Invalid or expired token."}
    }
    assert await _login(mail_api, "cy@example.com", "newpass123") == 200


async def test_unknown_address_answers_204_and_sends_nothing(mail_api: ApiClient, smtp: SmtpSink) -> None:
    r = await mail_api.request("POST", f"{BASE}/request-password-reset", json={"email": "ghost@example.com"})
    assert r.status_code == 204
    assert smtp.inbox == []


async def test_form_errors_as_pocketbase(mail_api: ApiClient, smtp: SmtpSink) -> None:
    r = await mail_api.request("POST", f"{BASE}/confirm-password-reset", json={})
    assert r.status_code == 400
    assert r.json() == {
        "data": {
            "password": {"code": "validation_required", "message": "Cannot be blank."},
            "passwordConfirm": {"code": "validation_required", "message": "Cannot be blank."},
            "token": {"code": "validation_required", "message": "Cannot be blank."},
        },
        "message": "An error occurred while validating the submitted data.",
        "status": 400,
    }
    r = await mail_api.request(
        "POST", f"{BASE}/confirm-password-reset", json={"token": "x", "password": "a", "passwordConfirm": "b"}
    )
    assert r.json()["data"] == {
        "password": {
            "code": "validation_length_out_of_range",
            "message": "The length must be between 8 and 255.",
            "params": {"max": 255, "min": 8},
        },
        "passwordConfirm": {"code": "validation_values_mismatch", "message": "Values don't match."},
        "token": {"code": "validation_invalid_token", "message": "Invalid or expired token."},
    }

    await mail_api.create_user("di@example.com", password="oldpass123")
    token = await _reset_token(mail_api, smtp, "di@example.com")
    r = await mail_api.request(
        "POST",
        "/api/collections/_superusers/confirm-password-reset",
        json={"token": token, "password": "newpass123", "passwordConfirm": "newpass123"},
    )
    assert r.status_code == 400
    assert r.json()["data"]["token"]["code"] == "validation_token_collection_mismatch"
    # Nothing changed: the token still works where it belongs.
    assert await _login(mail_api, "di@example.com", "oldpass123") == 200
    r = await mail_api.request(
        "POST",
        f"{BASE}/confirm-password-reset",
        json={"token": token, "password": "newpass123", "passwordConfirm": "newpass123"},
    )
    assert r.status_code == 204


async def test_forged_token_is_400(mail_api: ApiClient) -> None:
    user, _ = await mail_api.create_user("fo@example.com", password="oldpass123")
    forged = jwt.encode(
        {"id": user["id"], "collectionId": user["collectionId"], "type": "passwordReset", "exp": 4102444800},
        "a-guessed-key-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    body = {"token": forged, "password": "newpass123", "passwordConfirm": "newpass123"}
    r = await mail_api.request("POST", f"{BASE}/confirm-password-reset", json=body)
    assert r.status_code == 400
    assert await _login(mail_api, "fo@example.com", "oldpass123") == 200


async def test_password_auth_disabled_refuses_requests(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("pa@example.com")
    r = await mail_api.su("PATCH", "/api/collections/users", json={"passwordAuth": {"enabled": False}})
    assert r.status_code == 200, r.text
    r = await mail_api.request("POST", f"{BASE}/request-password-reset", json={"email": "pa@example.com"})
    assert r.status_code == 400
    assert r.json()["message"] == "The collection is not configured to allow password authentication."
    assert smtp.inbox == []


async def test_smtp_failure_still_answers_204_and_is_logged(
    api: ApiClient, smtp: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    """The answer never depends on the mail server (it would reveal which accounts exist)."""
    patch = smtp.settings_patch()
    smtp.stop()
    r = await api.su("PATCH", "/api/settings", json=patch)
    assert r.status_code == 200
    await api.create_user("sm@example.com")
    r = await api.request("POST", f"{BASE}/request-password-reset", json={"email": "sm@example.com"})
    assert r.status_code == 204
    await settle_jobs(api.app)  # the mail's job made its first attempt, and waits for the next
    [logged] = [rec for rec in caplog.records if rec.name == "bastion.jobs.mail"]
    assert logged.levelname == "WARNING"
    assert "password reset" in logged.getMessage() and "Connection refused" in logged.getMessage()
    [job] = await api.app.jobs.list_jobs(kind="mail.passwordReset")
    assert job.status == "queued" and "Connection refused" in (job.last_error or "")
