"""Shared steps: switch OTP/MFA on, fetch a mailed code, enrol a TOTP authenticator, age a system
row."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from bastion.auth import totp
from bastion.core.datetime_format import format_dt
from bastion.store.ddl import quote
from tests.conftest import ApiClient
from tests.support.smtp_server import SmtpSink

BASE = "/api/collections/users"
MFA_ON = {"enabled": True, "duration": 600, "rule": ""}
# PocketBase refuses MFA unless two of its own methods (password, OAuth2, OTP) are on, TOTP being
# Bastion's own: password + TOTP sets go with OTP on too.
OTP_ON = {"enabled": True}


async def configure(api: ApiClient, **options: Any) -> None:
    r = await api.su("PATCH", BASE.replace("/api/collections/", "/api/collections/"), json=options)
    assert r.status_code == 200, r.text


async def enable_otp(api: ApiClient, duration: int = 180, mfa: dict[str, Any] | None = None) -> None:
    opts: dict[str, Any] = {"otp": {"enabled": True, "duration": duration, "length": 8}}
    if mfa is not None:
        opts["mfa"] = mfa
    await configure(api, **opts)


async def request_code(api: ApiClient, smtp: SmtpSink, email: str) -> tuple[str, str]:
    r = await api.request("POST", f"{BASE}/request-otp", json={"email": email})
    assert r.status_code == 200, r.text
    otp_id = r.json()["otpId"]
    mail = smtp.to(email)[-1]
    match = re.search(r"<strong>(\d+)</strong>", mail.html)
    assert match, mail.html
    return otp_id, match.group(1)


async def age_row(api: ApiClient, table: str, row_id: str, seconds: int) -> None:
    """Move a row's creation time into the past instead of waiting for it to expire."""
    created = format_dt(datetime.now(UTC) - timedelta(seconds=seconds))
    await api.app.db.execute(f'UPDATE {quote(table)} SET "created" = ? WHERE "id" = ?', (created, row_id))


async def enrol_totp(api: ApiClient, token: str) -> str:
    r = await api.request("POST", f"{BASE}/totp-setup", token=token)
    assert r.status_code == 200, r.text
    secret = r.json()["secret"]
    url = urlparse(r.json()["otpauthUrl"])
    assert url.scheme == "otpauth" and url.netloc == "totp"
    assert parse_qs(url.query)["secret"] == [secret]
    # The previous step's code (drift is allowed; the current one stays unused for the sign-in),
    # not sent across a 30 s boundary, which would leave it two steps behind.
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.1)
    code = totp.code_at(secret, totp.current_step() - 1)
    r = await api.request("POST", f"{BASE}/totp-confirm", token=token, json={"code": code})
    assert r.status_code == 204, r.text
    return secret
