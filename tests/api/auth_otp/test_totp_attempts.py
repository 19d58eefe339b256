"""Guessing a TOTP second factor: the attack through HTTP, on SQLite and PostgreSQL.

An attacker who has the password opens an MFA session and tries codes. Each MFA session allows
`MAX_FAILURES` wrong codes, then it is gone (the right code no longer completes it), and the
route allows PocketBase's OTP guard of 5 tries per account and client address in 180 s. The
session's count lives in the database, so two workers serving one attacker share it.
"""

from __future__ import annotations

from typing import Any

from bastion.app import App
from bastion.auth import totp
from bastion.auth.mfa import MAX_FAILURES
from bastion.config import Config
from tests.api.auth_otp.helpers import BASE, MFA_ON, OTP_ON, configure, enrol_totp
from tests.conftest import ApiClient, client_from

LOGIN = f"{BASE}/auth-with-password"
TOTP = f"{BASE}/auth-with-totp"
INVALID_SESSION = {"data": {}, "message": "Invalid or expired MFA session.", "status": 400}
FAILED = {"data": {}, "message": "Failed to authenticate.", "status": 400}


def _wrong(secret: str) -> list[str]:
    """Codes that match no step of the drift window."""
    step = totp.current_step()
    valid = {totp.code_at(secret, s) for s in range(step - 2, step + 3)}
    return [c for c in (f"{n:06d}" for n in range(100)) if c not in valid]


async def _victim(api: ApiClient, email: str) -> str:
    _, token = await api.create_user(email, password="right-password")
    secret = await enrol_totp(api, token)
    await configure(api, mfa=MFA_ON, otp=OTP_ON)
    return secret


async def _session(client: Any, email: str) -> str:
    r = await client.post(LOGIN, json={"identity": email, "password": "right-password"})
    assert r.status_code == 401, r.text
    return str(r.json()["mfaId"])


async def test_wrong_codes_end_the_session(api: ApiClient) -> None:
    secret = await _victim(api, "vic@example.com")
    wrong = _wrong(secret)
    async with client_from(api.app, "198.51.100.7") as attacker:
        mfa_id = await _session(attacker, "vic@example.com")
        for code in wrong[:MAX_FAILURES]:
            r = await attacker.post(TOTP, json={"mfaId": mfa_id, "code": code})
            assert (r.status_code, r.json()) == (400, FAILED)
        # the session is spent ...
        r = await attacker.post(TOTP, json={"mfaId": mfa_id, "code": wrong[10]})
        assert (r.status_code, r.json()) == (400, INVALID_SESSION)
        # ... and a new session gets no fresh tries from the same address (PocketBase's OTP guard)
        fresh = await _session(attacker, "vic@example.com")
        r = await attacker.post(TOTP, json={"mfaId": fresh, "code": wrong[11]})
        assert r.status_code == 429
        assert r.json()["message"] == "Too many attempts, please try again later with a new OTP."
        assert int(r.headers["retry-after"]) > 0

    # the session itself is spent: even the right code, from elsewhere, no longer completes it
    async with client_from(api.app, "203.0.113.9") as elsewhere:
        right = totp.code_at(secret, totp.current_step())
        r = await elsewhere.post(TOTP, json={"mfaId": mfa_id, "code": right})
        assert (r.status_code, r.json()) == (400, INVALID_SESSION)
        # the owner, from their own address, signs in with a new session
        owner_session = await _session(elsewhere, "vic@example.com")
        r = await elsewhere.post(TOTP, json={"mfaId": owner_session, "code": right})
        assert r.status_code == 200, r.text
        assert r.json()["record"]["email"] == "vic@example.com"


async def test_the_count_is_shared_by_every_worker(api: ApiClient, tmp_path: Any) -> None:
    """Two Apps on one database stand for two workers: the failures add up across them."""
    secret = await _victim(api, "two@example.com")
    wrong = _wrong(secret)
    config = Config(data_dir=api.app.config.data_dir, database_url=api.app.config.database_url)
    other = await App(config).start()
    try:
        async with (
            client_from(api.app, "198.51.100.8") as first,
            client_from(other, "198.51.100.8") as second,
        ):
            mfa_id = await _session(first, "two@example.com")
            for i, code in enumerate(wrong[:MAX_FAILURES]):
                worker = first if i % 2 else second
                r = await worker.post(TOTP, json={"mfaId": mfa_id, "code": code})
                assert (r.status_code, r.json()) == (400, FAILED)
            right = totp.code_at(secret, totp.current_step())
        async with client_from(other, "203.0.113.10") as elsewhere:
            r = await elsewhere.post(TOTP, json={"mfaId": mfa_id, "code": right})
            assert (r.status_code, r.json()) == (400, INVALID_SESSION)
    finally:
        await other.stop()


async def test_the_route_is_limited_by_default(api: ApiClient) -> None:
    """auth-with-totp is an `auth` route: the built-in baseline limits each address on it."""
    secret = await _victim(api, "base@example.com")
    wrong = _wrong(secret)
    statuses = []
    async with client_from(api.app, "198.51.100.9") as attacker:
        for code in wrong[:25]:
            r = await attacker.post(TOTP, json={"mfaId": "nosuchsession123", "code": code})
            statuses.append(r.status_code)
    assert statuses[:20] == [400] * 20
    assert statuses[20:] == [429] * 5
