"""Verification, password-reset, OTP and new-sign-in-alert mails go through the job queue
(bastion/jobs/mail_jobs.py): a real SMTP server that is down, comes back, or refuses every mail;
the answers stay PocketBase's, and nothing acknowledged is lost."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bastion.app import App
from bastion.config import Config
from bastion.jobs import JobInfo
from tests.api.auth_otp.helpers import age_row, enable_otp
from tests.conftest import ApiClient, signed_in_api
from tests.support.polling import eventually
from tests.support.smtp_server import SmtpSink

BASE = "/api/collections/users"


@pytest.fixture
def down_smtp() -> Iterator[SmtpSink]:
    """A mail server that is down (its port closed) until the test starts it."""
    sink = SmtpSink()
    try:
        yield sink
    finally:
        sink.stop()


@asynccontextmanager
async def mail_app(
    database_url: str, tmp_path: Path, sink: SmtpSink, attempts: int = 10, **settings: Any
) -> AsyncIterator[ApiClient]:
    """A Bastion whose mail retries come quickly (0.2 s, doubled), aimed at `sink` (running or not)."""
    config = Config(
        data_dir=tmp_path / "data",
        database_url=database_url,
        mail_retry_delay=0.2,
        mail_max_attempts=attempts,
        **settings,
    )
    async with signed_in_api(config) as api:
        r = await api.su("PATCH", "/api/settings", json=sink.settings_patch())
        assert r.status_code == 200, r.text
        yield api


async def job_of(
    api: ApiClient, kind: str, status: str | None = None, failed: bool = False
) -> JobInfo | None:
    """The newest job of `kind` (in `status`; `failed`: that has a last error)."""
    for job in await api.app.jobs.list_jobs(kind=kind, status=status):
        if not failed or job.last_error:
            return job
    return None


def mails(sink: SmtpSink, address: str, count: int = 1) -> Callable[[], Awaitable[list[Any] | None]]:
    async def check() -> list[Any] | None:
        found = sink.to(address)
        return found if len(found) >= count else None

    return check


def code_in(mail: Any) -> str:
    match = re.search(r"<strong>(\d+)</strong>", mail.html)
    assert match, mail.html
    return match.group(1)


async def test_each_mail_arrives_through_the_queue(database_url: str, tmp_path: Path, smtp: SmtpSink) -> None:
    async with mail_app(database_url, tmp_path, smtp) as api:
        user, _ = await api.create_user("q@example.com")  # the first sign-in: no alert
        await enable_otp(api)
        r = await api.request("POST", f"{BASE}/request-verification", json={"email": "q@example.com"})
        assert r.status_code == 204 and r.content == b""
        [verification] = await eventually(mails(smtp, "q@example.com"), "the verification mail")
        token = verification.link_token("confirm-verification")
        assert (
            await api.request("POST", f"{BASE}/confirm-verification", json={"token": token})
        ).status_code == 204

        r = await api.request("POST", f"{BASE}/request-password-reset", json={"email": "q@example.com"})
        assert r.status_code == 204
        reset = (await eventually(mails(smtp, "q@example.com", 2), "the reset mail"))[1]
        body = {
            "token": reset.link_token("confirm-password-reset"),
            "password": "n3wpass!",
            "passwordConfirm": "n3wpass!",
        }
        assert (await api.request("POST", f"{BASE}/confirm-password-reset", json=body)).status_code == 204

        r = await api.request("POST", f"{BASE}/request-otp", json={"email": "q@example.com"})
        assert r.status_code == 200
        otp_mail = (await eventually(mails(smtp, "q@example.com", 3), "the OTP mail"))[2]
        body = {"otpId": r.json()["otpId"], "password": code_in(otp_mail)}
        assert (await api.request("POST", f"{BASE}/auth-with-otp", json=body)).status_code == 200

        r = await api.request(
            "POST",
            f"{BASE}/auth-with-password",
            json={"identity": "q@example.com", "password": "n3wpass!"},
            headers={"User-Agent": "a-new-device"},
        )
        assert r.status_code == 200
        alert = (await eventually(mails(smtp, "q@example.com", 4), "the alert mail"))[3]
        assert "a-new-device" in alert.html

        # Each was a job, now done; none stored a token (the OTP job holds its code only).
        for kind in ("mail.verification", "mail.passwordReset", "mail.otp", "mail.authAlert"):
            job = await eventually(lambda kind=kind: job_of(api, kind, "done"), f"{kind} done")
            assert job.attempts == 1 and job.last_error is None
        verification_job = await job_of(api, "mail.verification")
        assert verification_job is not None
        assert verification_job.payload == {
            "collectionId": user["collectionId"],
            "recordId": user["id"],
            "email": "q@example.com",
        }
        otp_job = await job_of(api, "mail.otp")
        assert otp_job is not None and set(otp_job.payload) == {"otpId", "code"}


async def test_an_smtp_outage_delays_the_mail_and_loses_none(
    database_url: str, tmp_path: Path, down_smtp: SmtpSink
) -> None:
    sink = down_smtp
    async with mail_app(database_url, tmp_path, sink) as api:
        await api.create_user("down@example.com")
        await enable_otp(api, duration=600)
        for path in ("request-verification", "request-password-reset"):
            r = await api.request("POST", f"{BASE}/{path}", json={"email": "down@example.com"})
            assert r.status_code == 204 and r.content == b""  # answered at once, as ever
        r = await api.request("POST", f"{BASE}/request-otp", json={"email": "down@example.com"})
        assert r.status_code == 200
        otp_id = r.json()["otpId"]
        for kind in ("mail.verification", "mail.passwordReset", "mail.otp"):
            job = await eventually(
                lambda kind=kind: job_of(api, kind, failed=True), f"a failed {kind} attempt"
            )
            assert "Connection refused" in (job.last_error or "")
        assert sink.inbox == []

        sink.start()  # the server is back: every mail arrives
        got = await eventually(mails(sink, "down@example.com", 3), "the three delayed mails")
        subjects = sorted(m.subject for m in got)
        assert len(subjects) == 3 and subjects == sorted(set(subjects))
        otp_mail = next(m for m in got if "<strong>" in m.html)
        body = {"otpId": otp_id, "password": code_in(otp_mail)}
        assert (await api.request("POST", f"{BASE}/auth-with-otp", json=body)).status_code == 200
        for kind in ("mail.verification", "mail.passwordReset", "mail.otp"):
            job = await eventually(lambda kind=kind: job_of(api, kind, "done"), f"{kind} done")
            assert job.attempts >= 2


async def test_a_server_that_refuses_every_mail_kills_the_job_with_its_error(
    database_url: str, tmp_path: Path, smtp: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    smtp.refusal = "554 5.7.1 Mailbox unavailable for the test"
    async with mail_app(database_url, tmp_path, smtp, attempts=3) as api:
        await api.create_user("refused@example.com")
        r = await api.request("POST", f"{BASE}/request-password-reset", json={"email": "refused@example.com"})
        assert r.status_code == 204
        job = await eventually(lambda: job_of(api, "mail.passwordReset", "dead"), "the dead reset job")
        assert job.attempts == 3
        assert "554" in (job.last_error or "") and "Mailbox unavailable for the test" in (
            job.last_error or ""
        )
        assert smtp.refused == 3 and smtp.inbox == []
        assert any(
            rec.name == "bastion.jobs.mail" and rec.levelname == "ERROR" and "giving up" in rec.getMessage()
            for rec in caplog.records
        )
        # a superuser's retry (the dashboard's) sends it once the server accepts mail again
        smtp.refusal = None
        assert await api.app.jobs.retry(job.id)
        await eventually(mails(smtp, "refused@example.com"), "the retried mail")


async def test_a_dead_otp_mail_deletes_the_code(database_url: str, tmp_path: Path, smtp: SmtpSink) -> None:
    smtp.refusal = "550 5.1.1 No such mailbox"
    async with mail_app(database_url, tmp_path, smtp, attempts=2) as api:
        await api.create_user("lost@example.com")
        await enable_otp(api)
        r = await api.request("POST", f"{BASE}/request-otp", json={"email": "lost@example.com"})
        assert r.status_code == 200
        otp_id = r.json()["otpId"]
        job = await eventually(lambda: job_of(api, "mail.otp", "dead"), "the dead OTP job")
        assert "550" in (job.last_error or "")
        # the code nobody received cannot be used: its row is gone
        assert await api.app.db.fetch_all('SELECT "id" FROM "_otps" WHERE "id" = ?', [otp_id]) == []
        body = {"otpId": otp_id, "password": str(job.payload["code"])}
        r = await api.request("POST", f"{BASE}/auth-with-otp", json=body)
        assert r.status_code == 400 and r.json()["message"] == "Invalid or expired OTP."


async def test_an_expired_otp_is_not_sent_late(
    database_url: str, tmp_path: Path, down_smtp: SmtpSink
) -> None:
    sink = down_smtp
    async with mail_app(database_url, tmp_path, sink) as api:
        await api.create_user("late@example.com")
        await enable_otp(api, duration=180)
        r = await api.request("POST", f"{BASE}/request-otp", json={"email": "late@example.com"})
        assert r.status_code == 200
        otp_id = r.json()["otpId"]
        await eventually(lambda: job_of(api, "mail.otp", failed=True), "a failed OTP attempt")
        await age_row(api, "_otps", otp_id, 600)  # the OTP expires while the server is down
        sink.start()
        job = await eventually(lambda: job_of(api, "mail.otp", "dead"), "the dead OTP job")
        assert "expired" in (job.last_error or "")
        assert sink.inbox == []
        assert await api.app.db.fetch_all('SELECT "id" FROM "_otps" WHERE "id" = ?', [otp_id]) == []


async def test_with_smtp_disabled_nothing_is_queued(api: ApiClient, caplog: pytest.LogCaptureFixture) -> None:
    """As before mail became jobs: 204 / an otpId, the failure logged, no code usable."""
    await api.create_user("off@example.com")
    await enable_otp(api)
    for path in ("request-verification", "request-password-reset"):
        r = await api.request("POST", f"{BASE}/{path}", json={"email": "off@example.com"})
        assert r.status_code == 204
    r = await api.request("POST", f"{BASE}/request-otp", json={"email": "off@example.com"})
    assert r.status_code == 200
    assert await api.app.db.fetch_all('SELECT "id" FROM "_otps"') == []
    assert [j for j in await api.app.jobs.list_jobs() if j.kind.startswith("mail.")] == []
    logged = [rec.getMessage() for rec in caplog.records if rec.name == "bastion.auth.mail"]
    assert len(logged) == 3 and all("SMTP is disabled" in text for text in logged)


async def test_smtp_disabled_after_queueing_kills_the_job_and_its_code(
    database_url: str, tmp_path: Path, down_smtp: SmtpSink
) -> None:
    sink = down_smtp
    async with mail_app(database_url, tmp_path, sink) as api:
        await api.create_user("switched@example.com")
        await enable_otp(api, duration=600)
        r = await api.request("POST", f"{BASE}/request-otp", json={"email": "switched@example.com"})
        otp_id = r.json()["otpId"]
        await eventually(lambda: job_of(api, "mail.otp", failed=True), "a failed OTP attempt")
        r = await api.su("PATCH", "/api/settings", json={"smtp": {"enabled": False}})
        assert r.status_code == 200, r.text
        job = await eventually(lambda: job_of(api, "mail.otp", "dead"), "the dead OTP job")
        assert "SMTP is disabled" in (job.last_error or "")
        assert await api.app.db.fetch_all('SELECT "id" FROM "_otps" WHERE "id" = ?', [otp_id]) == []


async def test_a_mail_queued_by_one_process_is_sent_by_another(
    database_url: str, tmp_path: Path, smtp: SmtpSink
) -> None:
    """The job outlives the process that queued it (here one that runs no jobs at all), and the
    process that sends it reads the collection as it is now (created after that process started)."""
    async with mail_app(database_url, tmp_path, smtp, jobs_concurrency=0) as api:
        worker = await App(Config(data_dir=tmp_path / "data", database_url=database_url)).start()
        try:
            await api.create_collection({"name": "members", "type": "auth"})
            password = {"password": "userpass123", "passwordConfirm": "userpass123"}
            await api.create_record("members", {"email": "elsewhere@example.com", **password})
            r = await api.request(
                "POST",
                "/api/collections/members/request-password-reset",
                json={"email": "elsewhere@example.com"},
            )
            assert r.status_code == 204
            job = await job_of(api, "mail.passwordReset", "queued")
            assert job is not None and smtp.inbox == []
            [mail] = await eventually(
                mails(smtp, "elsewhere@example.com"), "the mail, sent by the other process"
            )
            assert "confirm-password-reset" in mail.html
            assert await eventually(lambda: job_of(api, "mail.passwordReset", "done"), "the job done")
        finally:
            await worker.stop()
