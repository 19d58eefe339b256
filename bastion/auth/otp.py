"""One-time passwords mailed to an auth record (PocketBase's `_otps`).

A row holds the collection and record it belongs to, the *hash* of the code (the plain code only
ever exists in the mail, and in its mail job until that is purged: docs/jobs.md) and `sentTo`,
the address the mail reached. A code is single-use: a successful check consumes the row (`consume_row`: of concurrent
requests that passed the check, only the one whose DELETE removed it signs in). It
expires `otp.duration` seconds after creation; expiry is checked on use, so a clock can be
injected (`now`) instead of waiting in tests.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bastion.core.app_protocol import App
from bastion.core.collection_model import Collection
from bastion.core.datetime_format import format_dt, parse_dt
from bastion.core.ids import new_record_id
from bastion.core.passwords import verify_password_async
from bastion.core.record_access import Access
from bastion.core.record_model import Record
from bastion.core.record_passwords import prepare_crypto
from bastion.core.record_query import find_by_id
from bastion.core.system_collections import SUPERUSERS_ID
from bastion.store.database import Executor
from bastion.store.row_select import rows_where
from bastion.store.row_write import update_by_id

OTPS = "_otps"
MFAS = "_mfas"
AUTH_ORIGINS = "_authOrigins"


def root_access(app: App, context: str = "default") -> Access:
    """The flows write their system rows as a superuser: the flow, not a rule, decides."""
    superusers = app.registry.find_collection(SUPERUSERS_ID)
    assert superusers is not None
    return Access(auth=Record(superusers, {"id": ""}), method="POST", context=context)


def system_collection(app: App, name: str) -> Collection:
    collection = app.registry.find_collection(name)
    assert collection is not None, f"missing system collection {name}"
    return collection


def has_expired(row: Record, duration: int, now: datetime | None = None) -> bool:
    """PocketBase's HasExpired: created + duration is in the past."""
    created = parse_dt(row.data.get("created"))
    if created is None:
        return True
    return (now or datetime.now(UTC)) - created > timedelta(seconds=int(duration or 0))


def new_code(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(max(int(length or 8), 1)))


class _Discard(Exception):
    """Rolls back a stand-in OTP's transaction, carrying the row it would have been."""

    def __init__(self, row: Record) -> None:
        super().__init__("stand-in OTP discarded")
        self.row = row


async def create_otp(
    app: App,
    record: Record,
    code: str,
    *,
    keep: bool = True,
    also: Callable[[Executor, Record], Awaitable[None]] | None = None,
) -> Record:
    """Store a new OTP for `record` (its code hashed outside the write transaction); `also(tx,
    row)` runs in the same transaction (request-otp queues the code's mail there: the row and
    its mail job commit together).

    `keep=False` does all the same work, hashing, INSERT and `also` included, then rolls the
    transaction back: request-otp's answer for an unknown address, so that it costs what a
    registered one does (`stand_in` is the record to pass)."""
    body: dict[str, Any] = {
        "collectionRef": record.collection.id,
        "recordRef": record.id,
        "password": code,  # hashed by the record service, in a worker thread
    }
    otps, root = system_collection(app, OTPS), root_access(app)
    crypto = await prepare_crypto(app.records, app.db, otps, body, root)  # hashed outside the write
    try:
        async with app.transaction() as tx:
            row = await app.records.create(tx, otps, body, root, crypto=crypto)
            if also is not None:
                await also(tx, row)
            if not keep:
                raise _Discard(row)
    except _Discard as discarded:
        return discarded.row
    return row


def stand_in(collection: Collection) -> Record:
    """A record of `collection` that does not exist (a fresh random id), to run request-otp's
    steps for an address without an account."""
    return Record(collection, {"id": new_record_id()})


async def mark_sent(app: App, otp_id: str, address: str) -> None:
    """`sentTo` proves which address received the code (used to mark the record verified)."""
    await update_by_id(app.db, OTPS, otp_id, {"sentTo": address}, only_if={"sentTo": ""})


async def find_otp(app: App, otp_id: str) -> Record | None:
    return await find_by_id(app.db, system_collection(app, OTPS), otp_id)


async def check_code(row: Record, code: str) -> bool:
    return await verify_password_async(code, str(row.data.get("password", "")))


async def delete_row(app: App, row: Record) -> None:
    async with app.transaction() as tx:
        await app.records.delete_record(tx, row)


class _AlreadyGone(Exception):
    """Rolls back a consume whose row another request removed first."""


async def consume_row(app: App, row: Record) -> bool:
    """Delete a single-use row (an OTP, an MFA session) on behalf of the request that passed its
    check; True only for the request whose DELETE removed it. Concurrent requests that passed the
    same check race here: the row is read again inside the write transaction (locked on
    PostgreSQL, so a second consumer waits for the first to commit and then finds nothing; SQLite
    serializes write transactions), and the DELETE must remove exactly one row, so a code or
    session that was checked twice is still used once. The loser gets False and answers as for a
    used or unknown code."""
    try:
        async with app.transaction() as tx:
            current = await find_by_id(tx, row.collection, row.id, lock=True)
            if current is None or await app.records.delete_record(tx, current) != 1:
                raise _AlreadyGone()
    except _AlreadyGone:
        return False
    return True


async def live_otp_ids(app: App, record: Record, duration: int, limit: int) -> list[str]:
    """Ids of the record's unexpired OTPs, newest first (stored dates sort as text)."""
    cutoff = format_dt(datetime.now(UTC) - timedelta(seconds=int(duration or 0)))
    rows = await rows_where(
        app.db,
        OTPS,
        ["id"],
        {"collectionRef": record.collection.id, "recordRef": record.id},
        at_least={"created": cutoff},
        newest_first=["created", "id"],
        limit=limit,
    )
    return [str(r["id"]) for r in rows]
