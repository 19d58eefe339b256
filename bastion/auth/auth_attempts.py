"""Attempt counters for guessable sign-in codes, kept in the database.

A code of 6 to 8 digits falls to guessing unless tries are counted, and the count must hold
whichever worker or node takes the next try: a counter in one process's memory gives an
attacker a fresh budget per worker. So the counters live in a plain table, `_authAttempts`
(not a collection: no API, rule or realtime event shows it), created on first use:

    "key"      what is counted ("mfa|<mfaId>", "totp|<collectionId>|<recordId>|<ip>" ...)
    "count"    tries so far in the current window
    "expires"  end of the window, as sortable UTC text (the store's date format)

`count_attempt` adds one atomically (one INSERT … ON CONFLICT … RETURNING, so two concurrent
tries can never both read the same count) and starts a new window once the old one has ended,
which is how PocketBase's limiter windows behave (a window starts at the first try). Expired
rows are swept with the OTPs and MFA sessions (`sweep`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bastion.core.app_protocol import App
from bastion.core.datetime_format import format_dt, parse_dt
from bastion.core.record_model import Record
from bastion.errors import TooManyRequestsError

TABLE = "_authAttempts"

# PocketBase's fixed guard on OTP sign-in (whatever the rate-limit settings say): 5 tries per
# account and client address in 180 s. Bastion applies it to every code factor (OTP and TOTP),
# with one budget per account and address for both.
CODE_TRIES, CODE_WINDOW = 5, 180
TOO_MANY_TRIES = "Too many attempts, please try again later with a new OTP."

_DDL = (
    f'CREATE TABLE IF NOT EXISTS "{TABLE}" ('
    '"key" TEXT PRIMARY KEY NOT NULL, "count" INTEGER NOT NULL, "expires" TEXT NOT NULL)'
)
_COUNT = (
    f'INSERT INTO "{TABLE}" ("key", "count", "expires") VALUES (?, 1, ?) '
    'ON CONFLICT ("key") DO UPDATE SET '
    f'"count" = CASE WHEN "{TABLE}"."expires" <= ? THEN 1 ELSE "{TABLE}"."count" + 1 END, '
    f'"expires" = CASE WHEN "{TABLE}"."expires" <= ? THEN ? ELSE "{TABLE}"."expires" END '
    'RETURNING "count", "expires"'
)


@dataclass(frozen=True, slots=True)
class Attempt:
    count: int  # tries in the window, this one included
    retry_after: int  # seconds until the window ends (at least 1)


async def _ensure_table(app: App) -> None:
    try:
        await app.db.execute(_DDL)
    except Exception:
        # Two workers' first tries can race on CREATE TABLE IF NOT EXISTS (PostgreSQL); one wins.
        if not await app.db.table_exists(TABLE):
            raise


async def count_attempt(app: App, key: str, window: float, now: datetime | None = None) -> Attempt:
    """Count one try under `key` in a window of `window` seconds started by its first try."""
    await _ensure_table(app)
    now = now or datetime.now(UTC)
    stamp, ends = format_dt(now), format_dt(now + timedelta(seconds=window))
    async with app.db.transaction() as tx:
        row = await tx.fetch_one(_COUNT, (key, ends, stamp, stamp, ends))
    assert row is not None
    expires = parse_dt(str(row["expires"])) or now
    left = (expires - now).total_seconds()
    return Attempt(int(row["count"]), max(1, math.ceil(left)))


async def forget(app: App, *keys: str) -> None:
    if not keys:
        return
    await _ensure_table(app)
    marks = ", ".join("?" for _ in keys)
    await app.db.execute(f'DELETE FROM "{TABLE}" WHERE "key" IN ({marks})', keys)


async def sweep(app: App, now: datetime | None = None) -> int:
    """Delete the counters whose window has ended; the number removed."""
    await _ensure_table(app)
    cutoff = format_dt(now or datetime.now(UTC))
    async with app.db.transaction() as tx:
        rows = await tx.fetch_all(f'DELETE FROM "{TABLE}" WHERE "expires" <= ? RETURNING "key"', (cutoff,))
    return len(rows)


async def guard_code_tries(app: App, record: Record, client_ip: str) -> None:
    """Count a try at `record`'s codes from `client_ip`; 429 past CODE_TRIES in CODE_WINDOW.

    As PocketBase's guard, a client without an address is not counted (it cannot be told apart)."""
    if not client_ip:
        return
    attempt = await count_attempt(app, f"code|{record.collection.id}|{record.id}|{client_ip}", CODE_WINDOW)
    if attempt.count > CODE_TRIES:
        raise TooManyRequestsError(TOO_MANY_TRIES, attempt.retry_after)
