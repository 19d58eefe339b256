"""POST /api/settings/test/email: a superuser sends a sample of each auth mail."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import ApiClient
from tests.support.smtp_server import SmtpSink

PATH = "/api/settings/test/email"


@pytest.fixture
async def client(mail_api: ApiClient) -> AsyncIterator[httpx.AsyncClient]:
    """The app's own client (the route is in api/route_table.py)."""
    yield mail_api.http


async def _send(
    api: ApiClient, client: httpx.AsyncClient, body: dict, token: str | None = "su"
) -> httpx.Response:
    headers = {"Authorization": api.superuser_token if token == "su" else token} if token else {}
    return await client.post(PATH, json=body, headers=headers)


@pytest.mark.parametrize(
    ("template", "link"),
    [
        ("verification", "confirm-verification"),
        ("password-reset", "confirm-password-reset"),
        ("email-change", "confirm-email-change"),
        ("otp", None),
        ("login-alert", None),
    ],
)
async def test_each_template_is_sent(
    mail_api: ApiClient, client: httpx.AsyncClient, smtp: SmtpSink, template: str, link: str | None
) -> None:
    r = await _send(
        mail_api, client, {"email": "ops@example.com", "template": template, "collection": "users"}
    )
    assert r.status_code == 204, r.text
    [mail] = smtp.to("ops@example.com")
    assert "Acme" in mail.subject
    if link:
        assert mail.link_token(link)
    if template == "otp":
        assert "123456" in mail.html
    if template == "login-alert":
        assert "TEST_IP TEST_USER_AGENT" in mail.html


async def test_defaults_to_superusers_collection(
    mail_api: ApiClient, client: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    r = await _send(mail_api, client, {"email": "ops@example.com", "template": "password-reset"})
    assert r.status_code == 204
    assert len(smtp.to("ops@example.com")) == 1


async def test_validation_and_access(mail_api: ApiClient, client: httpx.AsyncClient, smtp: SmtpSink) -> None:
    r = await _send(mail_api, client, {"email": "a@example.com", "template": "verification"}, token=None)
    assert r.status_code == 401
    _, user_token = await mail_api.create_user("u@example.com")
    r = await _send(
        mail_api, client, {"email": "a@example.com", "template": "verification"}, token=user_token
    )
    assert r.status_code == 403
    r = await _send(mail_api, client, {})
    assert r.status_code == 400
    assert r.json() == {
        "data": {
            "email": {"code": "validation_required", "message": "Cannot be blank."},
            "template": {"code": "validation_required", "message": "Cannot be blank."},
        },
        "message": "Failed to send the test email.",
        "status": 400,
    }
    r = await _send(mail_api, client, {"email": "bad", "template": "nope", "collection": "nope"})
    assert r.json()["data"] == {
        "collection": {
            "code": "validation_invalid_auth_collection",
            "message": "Must be a valid auth collection id or name.",
        },
        "email": {"code": "validation_is_email", "message": "Must be a valid email address."},
        "template": {"code": "validation_in_invalid", "message": "Must be a valid value."},
    }
    assert smtp.inbox == []


async def test_mail_failures_are_reported(
    mail_api: ApiClient, client: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    body = {"email": "ops@example.com", "template": "verification"}
    smtp.stop()
    r = await _send(mail_api, client, body)
    assert r.status_code == 400
    message = r.json()["message"]
    assert message.startswith("Failed to send the test email. Raw error: \n")
    assert "Connection refused" in message

    r = await mail_api.su("PATCH", "/api/settings", json={"smtp": {"enabled": False}})
    assert r.status_code == 200
    r = await _send(mail_api, client, body)
    assert r.status_code == 400
    assert "SMTP is disabled" in r.json()["message"]
