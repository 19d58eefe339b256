"""Shared steps: switch OTP/MFA on, fetch a mailed code, age a system row."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from bastion.core.datetime_format import format_dt
from bastion.store.ddl import quote
from tests.conftest import ApiClient
from tests.mail.smtp_server import SmtpSink

BASE = "/api/collections/users"


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
