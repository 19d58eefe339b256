"""OTPs, MFA sessions and TOTP secrets follow their auth record (PocketBase's hooks)."""

from __future__ import annotations

import asyncio
import dataclasses
import time

from bastion.app import App
from bastion.auth import totp
from bastion.auth.mfa import AuthStateJanitor, delete_expired
from bastion.bus.events import RecordEvent
from bastion.core.record_model import Record
from bastion.core.record_query import find_by_id
from tests.api.auth_otp.helpers import BASE, age_row, enable_otp, request_code
from tests.conftest import ApiClient
from tests.support.smtp_server import SmtpSink

MFA_ON = {"enabled": True, "duration": 600, "rule": ""}


async def _count(api: ApiClient, table: str) -> int:
    return int(await api.app.db.fetch_val(f'SELECT COUNT(*) FROM "{table}"'))


async def test_password_change_voids_otps_and_mfa_sessions(mail_api: ApiClient, smtp: SmtpSink) -> None:
    janitor = AuthStateJanitor.attach(mail_api.app)
    user, token = await mail_api.create_user("chg@example.com")
    await enable_otp(mail_api, mfa=MFA_ON)
    otp_id, code = await request_code(mail_api, smtp, "chg@example.com")
    r = await mail_api.request(
        "POST", f"{BASE}/auth-with-password", json={"identity": "chg@example.com", "password": "userpass123"}
    )
    mfa_id = r.json()["mfaId"]
    body = {"password": "newpass1234", "passwordConfirm": "newpass1234"}
    r = await mail_api.su("PATCH", f"{BASE}/records/{user['id']}", json=body)
    assert r.status_code == 200, r.text
    await janitor.drain()
    r = await mail_api.request(
        "POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code, "mfaId": mfa_id}
    )
    assert r.status_code == 400
    assert await _count(mail_api, "_mfas") == 0
    janitor.close()


async def test_deleting_the_record_removes_its_auth_state(mail_api: ApiClient, smtp: SmtpSink) -> None:
    janitor = AuthStateJanitor.attach(mail_api.app)
    user, token = await mail_api.create_user("gone@example.com")
    await enable_otp(mail_api)
    await request_code(mail_api, smtp, "gone@example.com")
    await mail_api.request("POST", f"{BASE}/totp-setup", token=token)
    r = await mail_api.su("DELETE", f"{BASE}/records/{user['id']}")
    assert r.status_code == 204
    await janitor.drain()
    assert await _count(mail_api, "_otps") == 0
    assert await _count(mail_api, totp.TABLE) == 0
    janitor.close()


async def test_expired_rows_are_swept(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("old@example.com")
    await enable_otp(mail_api, duration=60)
    old_id, _ = await request_code(mail_api, smtp, "old@example.com")
    await request_code(mail_api, smtp, "old@example.com")
    await age_row(mail_api, "_otps", old_id, 120)
    assert await delete_expired(mail_api.app) == 1
    assert await _count(mail_api, "_otps") == 1


async def test_expired_mfa_sessions_are_swept(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("mfa-old@example.com")
    await enable_otp(mail_api, mfa={"enabled": True, "duration": 60, "rule": ""})
    body = {"identity": "mfa-old@example.com", "password": "userpass123"}
    old = await mail_api.request("POST", "/api/collections/users/auth-with-password", json=body)
    fresh = await mail_api.request("POST", "/api/collections/users/auth-with-password", json=body)
    assert old.status_code == fresh.status_code == 401
    await age_row(mail_api, "_mfas", old.json()["mfaId"], 120)
    assert await delete_expired(mail_api.app) == 1
    rows = await mail_api.app.db.fetch_all('SELECT "id" FROM "_mfas"')
    assert [r["id"] for r in rows] == [fresh.json()["mfaId"]]


async def test_the_janitor_sweeps_by_itself(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("sweep@example.com")
    await enable_otp(mail_api, duration=60)
    otp_id, _ = await request_code(mail_api, smtp, "sweep@example.com")
    await age_row(mail_api, "_otps", otp_id, 120)
    janitor = AuthStateJanitor.attach(mail_api.app, sweep=True, sweep_every=0.01)
    try:
        for _ in range(500):  # bounded wait for the background sweep, not a timing assertion
            if await _count(mail_api, "_otps") == 0:
                break
            await asyncio.sleep(0.01)
        assert await _count(mail_api, "_otps") == 0
    finally:
        janitor.close()


async def test_only_the_leading_process_sweeps(mail_api: ApiClient, smtp: SmtpSink) -> None:
    """Two processes on one database (another worker): one sweeps, the other leaves it to it; when
    the leader stops, the other takes the lock and sweeps."""
    await mail_api.create_user("lead@example.com")
    await enable_otp(mail_api, duration=60)
    otp_id, _ = await request_code(mail_api, smtp, "lead@example.com")
    await age_row(mail_api, "_otps", otp_id, 120)
    other = await App(dataclasses.replace(mail_api.app.config)).start()
    try:
        assert (mail_api.app.leader.held, other.leader.held) == (True, False)
        follower = AuthStateJanitor.attach(other)
        try:
            assert await follower.sweep_once() is None
            assert await _count(mail_api, "_otps") == 1
            await mail_api.app.leader.close()  # as when the leading worker exits
            await other.leader.check()  # what its lock does every few seconds
            assert await follower.sweep_once() == 1
            assert await _count(mail_api, "_otps") == 0
        finally:
            follower.close()
    finally:
        await other.stop()


async def test_cleanup_waits_for_the_writer_instead_of_blocking(mail_api: ApiClient, smtp: SmtpSink) -> None:
    """The cleanup's DELETEs run in a write transaction of their own. On SQLite they used to go
    through the read connection: made while another transaction held the writer across an await,
    such a DELETE blocked the event loop for the whole busy timeout (10 s), then failed, leaving
    the OTPs in place, and requests that waited for the writer meanwhile answered 503."""
    janitor = AuthStateJanitor.attach(mail_api.app)
    user, _ = await mail_api.create_user("held@example.com")
    await enable_otp(mail_api)
    await request_code(mail_api, smtp, "held@example.com")
    users = mail_api.app.registry.find_collection("users")
    assert users is not None
    record = await find_by_id(mail_api.app.db, users, user["id"])
    assert record is not None
    rotated = Record(users, {**record.data, "tokenKey": "rotated"})
    started = time.monotonic()
    async with mail_api.app.transaction():
        mail_api.app.bus.publish(RecordEvent("update", rotated, record))  # voids the record's OTPs
        await asyncio.sleep(0.3)  # the cleanup starts while this transaction holds the writer
    await asyncio.wait_for(janitor.drain(), 15)
    assert time.monotonic() - started < 5
    assert await _count(mail_api, "_otps") == 0
    janitor.close()
