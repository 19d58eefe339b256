"""TOTP (RFC 6238) authenticator-app codes as an MFA factor — a Bastion addition.

Codes: HMAC-SHA1 over the 30-second step counter, 6 digits, as every authenticator app computes
them by default; one step of clock drift either way is accepted. A code's step is remembered
once used, so the same (or an older) code cannot be replayed.

Storage: a plain table `_totps` (not a collection, so no API, rule or realtime event ever shows
it), created on first use. One row per auth record: the base32 secret (kept readable — the server
must compute codes from it), whether the owner has confirmed it with a first code, and the last
step used. Adding a hidden field to every auth collection would have changed their schemas as
clients and PocketBase see them; a side table does not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import urlencode

from bastion.core.app_protocol import App
from bastion.core.ids import new_record_id
from bastion.core.record_model import Record

TABLE = "_totps"
STEP = 30
DIGITS = 6
DRIFT = 1  # steps accepted either side of now

_DDL = (
    f'CREATE TABLE IF NOT EXISTS "{TABLE}" ('
    '"id" TEXT PRIMARY KEY, "collectionRef" TEXT NOT NULL, "recordRef" TEXT NOT NULL, '
    '"secret" TEXT NOT NULL, "confirmed" INTEGER NOT NULL DEFAULT 0, '
    '"lastStep" INTEGER NOT NULL DEFAULT 0, UNIQUE ("collectionRef", "recordRef"))'
)


# ---- RFC 6238 -----------------------------------------------------------------------------------


def new_secret() -> str:
    """160 random bits in unpadded base32, the form authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    s = secret.strip().replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def code_at(secret: str, step: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The step (within the drift window) whose code equals `code`, else None."""
    code = str(code).strip()
    if len(code) != DIGITS or not code.isdigit():
        return None
    base = current_step(now)
    for step in range(base - DRIFT, base + DRIFT + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def otpauth_url(secret: str, issuer: str, account: str) -> str:
    label = url_quote(f"{issuer}:{account}" if issuer else account)
    query = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP}
    )
    return f"otpauth://totp/{label}?{query}"


# ---- storage ------------------------------------------------------------------------------------


async def _ensure_table(app: App) -> None:
    await app.db.execute(_DDL)


async def find(app: App, record: Record) -> dict[str, Any] | None:
    await _ensure_table(app)
    return await app.db.fetch_one(
        f'SELECT * FROM "{TABLE}" WHERE "collectionRef" = ? AND "recordRef" = ?',
        (record.collection.id, record.id),
    )


async def start_setup(app: App, record: Record) -> str:
    """A new unconfirmed secret; it replaces any earlier one only when confirmed."""
    secret = new_secret()
    existing = await find(app, record)
    if existing is not None and existing["confirmed"]:
        # Keep the working secret until the new one is proven: park the new one beside it.
        await app.db.execute(
            f'DELETE FROM "{TABLE}" WHERE "collectionRef" = ? AND "recordRef" = ?',
            (record.collection.id, "pending:" + record.id),
        )
        await _insert(app, record.collection.id, "pending:" + record.id, secret)
        return secret
    await remove(app, record)
    await _insert(app, record.collection.id, record.id, secret)
    return secret


async def _insert(app: App, collection_id: str, record_ref: str, secret: str) -> None:
    await app.db.execute(
        f'INSERT INTO "{TABLE}" ("id", "collectionRef", "recordRef", "secret", "confirmed", "lastStep") '
        "VALUES (?, ?, ?, ?, 0, 0)",
        (new_record_id(), collection_id, record_ref, secret),
    )


async def confirm(app: App, record: Record, code: str, now: float | None = None) -> bool:
    """Prove the app holds the pending secret; it then becomes the record's factor."""
    await _ensure_table(app)
    cid = record.collection.id
    pending = await app.db.fetch_one(
        f'SELECT * FROM "{TABLE}" WHERE "collectionRef" = ? AND "recordRef" = ?',
        (cid, "pending:" + record.id),
    )
    row = pending or await find(app, record)
    if row is None or (pending is None and row["confirmed"]):
        return False
    step = matching_step(str(row["secret"]), code, now)
    if step is None:
        return False
    async with app.transaction() as tx:
        await tx.execute(
            f'DELETE FROM "{TABLE}" WHERE "collectionRef" = ? AND "recordRef" IN (?, ?)',
            (cid, record.id, "pending:" + record.id),
        )
        await tx.execute(
            f'INSERT INTO "{TABLE}" ("id", "collectionRef", "recordRef", "secret", "confirmed", "lastStep") '
            "VALUES (?, ?, ?, ?, 1, ?)",
            (new_record_id(), cid, record.id, str(row["secret"]), step),
        )
    return True


async def verify(app: App, record: Record, code: str, now: float | None = None) -> bool:
    """A confirmed secret's code, not used before (the step only moves forward)."""
    row = await find(app, record)
    if row is None or not row["confirmed"]:
        return False
    step = matching_step(str(row["secret"]), code, now)
    if step is None or step <= int(row["lastStep"]):
        return False
    # Compare-and-set: of two concurrent uses of one code, only one moves the step.
    await app.db.execute(
        f'UPDATE "{TABLE}" SET "lastStep" = ? WHERE "id" = ? AND "lastStep" < ?', (step, row["id"], step)
    )
    fresh = await app.db.fetch_one(f'SELECT "lastStep" FROM "{TABLE}" WHERE "id" = ?', (row["id"],))
    return fresh is not None and int(fresh["lastStep"]) == step


async def enabled(app: App, record: Record) -> bool:
    row = await find(app, record)
    return row is not None and bool(row["confirmed"])


async def remove(app: App, record: Record) -> None:
    await _ensure_table(app)
    await app.db.execute(
        f'DELETE FROM "{TABLE}" WHERE "collectionRef" = ? AND "recordRef" IN (?, ?)',
        (record.collection.id, record.id, "pending:" + record.id),
    )
