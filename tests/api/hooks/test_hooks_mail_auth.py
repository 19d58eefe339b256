"""Mail and sign-in hooks (docs/hooks.md): mail hooks that change, cancel and refuse the mails a
real SMTP server receives, in the request (test mail, email change) and in the job queue
(verification, password reset); sign-in hooks that refuse a password or OAuth2 sign-in or add to
its `meta`; an OAuth2 hook that fills in or refuses the account it would create."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bastion.config import Config
from tests.api.auth_otp.helpers import enable_otp
from tests.api.hooks.hook_files import line_of, write_hooks
from tests.api.oauth2.test_auth_with_oauth2 import (
    USER,
    authorize,
    enable_oauth2,
    login,
    oidc_config,
    provider_entry,
)
from tests.conftest import ApiClient, settle_jobs, signed_in_api
from tests.support.oidc_provider import OidcProvider
from tests.support.smtp_server import SmtpSink

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
GENERIC_500 = {"data": {}, "message": "Something went wrong while processing your request.", "status": 500}

MAIL = """
import json
from pathlib import Path

from bastion.hooks import HookError, MailEvent, hooks

SMS = Path(__file__).with_name("sms.jsonl")


@hooks.on_mailer_record_otp_send("users")
def by_sms(e: MailEvent) -> None:
    # the code goes out another way: the mail is not sent, the sign-in goes on
    if e.record["email"].startswith("sms"):
        with SMS.open("a") as f:
            f.write(json.dumps({"to": e.to, "otpId": e.meta["otpId"], "code": e.meta["password"]}) + "\\n")
        e.cancel()


@hooks.on_mailer_record_verification_send("users")
def welcome(e: MailEvent) -> None:
    assert e.record is not None and e.meta["token"]
    e.message.subject = "Welcome! " + e.message.subject


@hooks.on_mailer_record_password_reset_send("other")
def never(e):
    raise RuntimeError("not for users")


@hooks.on_mailer_send()
def every(e):
    if e.to == ["blocked@example.com"]:
        e.cancel()
    elif e.to == ["refused@example.com"]:
        raise HookError(400, "This address may not receive mail.", {"to": e.to})
    elif e.to == ["boom@example.com"]:
        {}["missing"]  # MAIL-RAISES-HERE
    elif e.to == ["moved@example.com"]:
        e.to = ["elsewhere@example.com"]
    e.message.headers["X-Mail-Kind"] = e.kind
    e.message.text = "plain: " + e.kind
"""

AUTH = """
from bastion.hooks import HookError, OAuth2AuthEvent, RecordAuthEvent, hooks


@hooks.on_record_auth_request("users")
def on_auth(e: RecordAuthEvent) -> None:
    if e.record["email"] == "banned@example.com":
        raise HookError(403, "This account is suspended.")
    if e.record["email"] == "crash@example.com":
        raise ValueError("auth boom")  # AUTH-RAISES-HERE
    e.meta = {**(e.meta or {}), "method": e.auth_method, "seen": True}


@hooks.on_record_auth_with_oauth2_request("users")
def on_oauth2(e: OAuth2AuthEvent) -> None:
    if e.is_new_record and e.create_data.get("name") == "refuse":
        raise HookError(403, "Sign-ups through OAuth2 are closed.")
    if e.is_new_record:
        e.create_data["name"] = e.provider + ":" + e.oauth2_user["username"]
"""


@pytest.fixture
async def hooked(tmp_path: Path, database_url: str, smtp: SmtpSink) -> AsyncIterator[ApiClient]:
    folder = write_hooks(tmp_path / "bastion_hooks", mail=MAIL, auth=AUTH)
    config = Config(
        data_dir=tmp_path / "data", database_url=database_url, hooks_dir=str(folder), mail_max_attempts=2
    )
    async with signed_in_api(config) as api:
        r = await api.su("PATCH", "/api/settings", json=smtp.settings_patch())
        assert r.status_code == 200, r.text

        async def settle(_response: httpx.Response) -> None:
            await settle_jobs(api.app)

        api.http.event_hooks["response"].append(settle)
        yield api


async def test_a_mail_hook_changes_the_mail_of_its_kind(hooked: ApiClient, smtp: SmtpSink) -> None:
    await hooked.create_user("new@example.com")
    r = await hooked.request(
        "POST", "/api/collections/users/request-verification", json={"email": "new@example.com"}
    )
    assert r.status_code == 204
    [mail] = smtp.to("new@example.com")
    assert mail.subject.startswith("Welcome! ")
    assert mail.message["X-Mail-Kind"] == "verification"
    assert mail.text.strip() == "plain: verification"
    # the reset hook is for another collection: the users' reset mail goes out as rendered
    r = await hooked.request(
        "POST", "/api/collections/users/request-password-reset", json={"email": "new@example.com"}
    )
    assert r.status_code == 204
    reset = smtp.to("new@example.com")[-1]
    assert not reset.subject.startswith("Welcome!") and reset.message["X-Mail-Kind"] == "password-reset"


async def test_a_mail_hook_cancels_redirects_or_refuses_the_test_mail(
    hooked: ApiClient, smtp: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    async def test_mail(to: str) -> httpx.Response:
        body = {"email": to, "template": "otp"}
        return await hooked.su("POST", "/api/settings/test/email", json=body)

    r = await test_mail("blocked@example.com")
    assert r.status_code == 204
    r = await test_mail("moved@example.com")
    assert r.status_code == 204
    assert [m.message["X-Mail-Kind"] for m in smtp.to("elsewhere@example.com")] == ["otp"]
    r = await test_mail("refused@example.com")
    assert r.status_code == 400
    assert r.json() == {
        "data": {"to": ["refused@example.com"]},
        "message": "This address may not receive mail.",
        "status": 400,
    }
    with caplog.at_level(logging.ERROR, logger="bastion.hooks"):
        r = await test_mail("boom@example.com")
    assert r.status_code == 500 and r.json() == GENERIC_500
    path = (Path(hooked.app.config.hooks_path) / "mail.py").resolve()
    [failure] = [rec for rec in caplog.records if rec.name == "bastion.hooks"]
    assert failure.getMessage().startswith(f"hook {path}:{line_of(path, 'MAIL-RAISES-HERE')} (every)")
    assert "Traceback" not in r.text
    assert (
        smtp.to("blocked@example.com") == smtp.to("refused@example.com") == smtp.to("boom@example.com") == []
    )


async def test_a_refused_email_change_mail_is_answered(hooked: ApiClient, smtp: SmtpSink) -> None:
    _, token = await hooked.create_user("owner@example.com")
    url = "/api/collections/users/request-email-change"
    r = await hooked.request("POST", url, token=token, json={"newEmail": "refused@example.com"})
    assert r.status_code == 400 and r.json()["message"] == "This address may not receive mail."
    r = await hooked.request("POST", url, token=token, json={"newEmail": "fine@example.com"})
    assert r.status_code == 204
    assert [m.message["X-Mail-Kind"] for m in smtp.to("fine@example.com")] == ["email-change"]


async def test_a_mail_refused_in_a_job_is_not_retried(hooked: ApiClient, smtp: SmtpSink) -> None:
    await hooked.create_user("refused@example.com")
    r = await hooked.request(
        "POST", "/api/collections/users/request-password-reset", json={"email": "refused@example.com"}
    )
    assert r.status_code == 204  # the job runs after the answer: the client learns nothing
    [job] = await hooked.app.jobs.list_jobs(kind="mail.passwordReset")
    assert job.status == "dead" and job.attempts == 1
    assert job.last_error == "refused by a mail hook: This address may not receive mail."
    assert smtp.to("refused@example.com") == []
    # a hook that fails is a bug: logged, and the job is dead at once too
    await hooked.create_user("boom@example.com")
    r = await hooked.request(
        "POST", "/api/collections/users/request-verification", json={"email": "boom@example.com"}
    )
    assert r.status_code == 204
    [job] = await hooked.app.jobs.list_jobs(kind="mail.verification")
    assert job.status == "dead" and job.attempts == 1
    assert job.last_error == "a mail hook failed (logged on bastion.hooks with its file and line)"


async def test_a_sign_in_hook_refuses_or_adds_meta(
    hooked: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    await hooked.create_user("fine@example.com")
    r = await hooked.request(
        "POST",
        "/api/collections/users/auth-with-password",
        json={"identity": "fine@example.com", "password": "userpass123"},
    )
    assert r.status_code == 200 and r.json()["meta"] == {"method": "password", "seen": True}
    token = r.json()["token"]
    r = await hooked.request("POST", "/api/collections/users/auth-refresh", token=token)
    assert r.status_code == 200 and r.json()["meta"] == {"method": "", "seen": True}
    # superusers are another collection: no hook, no meta
    r = await hooked.su("POST", "/api/collections/_superusers/auth-refresh")
    assert r.status_code == 200 and "meta" not in r.json()
    for email in ("banned@example.com", "crash@example.com"):
        await hooked.create_record(
            "users", {"email": email, "password": "userpass123", "passwordConfirm": "userpass123"}
        )
    body = {"identity": "banned@example.com", "password": "userpass123"}
    r = await hooked.request("POST", "/api/collections/users/auth-with-password", json=body)
    assert r.status_code == 403
    assert r.json() == {"data": {}, "message": "This account is suspended.", "status": 403}
    with caplog.at_level(logging.ERROR, logger="bastion.hooks"):
        body = {"identity": "crash@example.com", "password": "userpass123"}
        r = await hooked.request("POST", "/api/collections/users/auth-with-password", json=body)
    assert r.status_code == 500 and r.json() == GENERIC_500
    path = (Path(hooked.app.config.hooks_path) / "auth.py").resolve()
    assert any(
        rec.getMessage().startswith(f"hook {path}:{line_of(path, 'AUTH-RAISES-HERE')} (on_auth)")
        for rec in caplog.records
    )


async def test_an_otp_mail_hook_sends_the_code_its_own_way(hooked: ApiClient, smtp: SmtpSink) -> None:
    await enable_otp(hooked)
    await hooked.create_user("sms-me@example.com")
    r = await hooked.request(
        "POST", "/api/collections/users/request-otp", json={"email": "sms-me@example.com"}
    )
    assert r.status_code == 200, r.text
    assert smtp.to("sms-me@example.com") == []
    sms = Path(hooked.app.config.hooks_path) / "sms.jsonl"
    [sent] = [json.loads(line) for line in sms.read_text().splitlines()]
    assert sent["to"] == ["sms-me@example.com"] and sent["otpId"] == r.json()["otpId"]
    body = {"otpId": sent["otpId"], "password": sent["code"]}
    r = await hooked.request("POST", "/api/collections/users/auth-with-otp", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["meta"] == {"method": "otp", "seen": True}


async def test_oauth2_hooks_fill_in_or_refuse_the_new_account(hooked: ApiClient) -> None:
    with OidcProvider(USER) as idp:
        await enable_oauth2(hooked, oidc_config(idp))
        entry = await provider_entry(hooked)
        r = await login(hooked, entry, await authorize(entry), createData={"name": "refuse"})
        assert r.status_code == 403
        assert r.json() == {"data": {}, "message": "Sign-ups through OAuth2 are closed.", "status": 403}
        users = await hooked.su("GET", "/api/collections/users/records")
        assert users.json()["totalItems"] == 0
        entry = await provider_entry(hooked)
        r = await login(hooked, entry, await authorize(entry))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["record"]["name"] == "oidc:ada"
        assert body["meta"]["isNew"] is True and body["meta"]["email"] == USER["email"]
        assert body["meta"]["method"] == "oauth2" and body["meta"]["seen"] is True
