"""A one-time code, or an MFA session, used by several concurrent requests signs in exactly one.

Each request comes from its own client address (so PocketBase's 5-tries guard per account and
address does not answer for the check under test) and all are sent at once: the OTP row (the
`_mfas` row) is consumed by a DELETE whose count says whether this request removed it, before
any token is issued, so the others answer as for a used or unknown code (session). Before that,
each request checked the code, then deleted the row without looking at what was deleted, and
several signed in with one code."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import httpx

from tests.api.auth_otp.helpers import BASE, enable_otp, request_code
from tests.conftest import ApiClient, client_from
from tests.support.smtp_server import SmtpSink

RACERS = 8
HARD_STOP = 30.0  # seconds for the whole volley, whatever the server does
MFA_ON = {"enabled": True, "duration": 600, "rule": ""}


def _statuses(answers: list[httpx.Response]) -> str:
    return "statuses: " + " ".join(str(r.status_code) for r in answers)


async def _volley(api: ApiClient, url: str, body: dict[str, Any]) -> list[httpx.Response]:
    """`RACERS` identical POSTs sent at once, each from its own client address."""
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(client_from(api.app, f"10.9.0.{n + 1}")) for n in range(RACERS)
        ]
        return await asyncio.wait_for(
            asyncio.gather(*(client.post(url, json=body) for client in clients)), HARD_STOP
        )


async def test_one_code_signs_in_once(mail_api: ApiClient, smtp: SmtpSink) -> None:
    user, _ = await mail_api.create_user("race@example.com")
    await enable_otp(mail_api)
    otp_id, code = await request_code(mail_api, smtp, "race@example.com")
    answers = await _volley(mail_api, f"{BASE}/auth-with-otp", {"otpId": otp_id, "password": code})
    won = [r for r in answers if r.status_code == 200]
    lost = [r for r in answers if r.status_code != 200]
    assert len(won) == 1, _statuses(answers)
    assert won[0].json()["record"]["id"] == user["id"] and won[0].json()["token"]
    # The same answer as for a code already used (or never issued).
    assert [(r.status_code, r.json()) for r in lost] == [
        (400, {"data": {}, "message": "Invalid or expired OTP.", "status": 400})
    ] * (RACERS - 1)
    assert await mail_api.app.db.fetch_all('SELECT "id" FROM "_otps"') == []


async def test_one_mfa_session_completes_once(mail_api: ApiClient, smtp: SmtpSink) -> None:
    """OTP first, then the password (reusable) as the second factor, sent many times with the
    one mfaId: the session completes one sign-in."""
    await mail_api.create_user("mfarace@example.com")
    await enable_otp(mail_api, mfa=MFA_ON)
    otp_id, code = await request_code(mail_api, smtp, "mfarace@example.com")
    r = await mail_api.request("POST", f"{BASE}/auth-with-otp", json={"otpId": otp_id, "password": code})
    assert r.status_code == 401, r.text
    mfa_id = r.json()["mfaId"]
    body = {"identity": "mfarace@example.com", "password": "userpass123", "mfaId": mfa_id}
    answers = await _volley(mail_api, f"{BASE}/auth-with-password", body)
    won = [r for r in answers if r.status_code == 200]
    lost = [r for r in answers if r.status_code != 200]
    assert len(won) == 1, _statuses(answers)
    assert [(r.status_code, r.json()) for r in lost] == [
        (400, {"data": {}, "message": "Invalid or expired MFA session.", "status": 400})
    ] * (RACERS - 1)
    assert await mail_api.app.db.fetch_all('SELECT "id" FROM "_mfas"') == []
