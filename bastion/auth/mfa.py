"""Multi-factor authentication (PocketBase's `_mfas`), independent of which factors exist.

A first successful method (password, otp, oauth2, totp ...) of a record whose collection has
`mfa.enabled` and whose `mfa.rule` matches (an empty rule matches everyone) does not sign in: it
stores an `_mfas` row naming that method and the caller answers 401 {"mfaId"}. A second
successful method that is *different* and brings that `mfaId` completes the login and consumes
the row (`consume_row`: of concurrent second factors, only the one whose DELETE removed it
completes). The row expires `mfa.duration` seconds after creation.

A factor that can be guessed (TOTP's six digits) is tried against a session at most
`MAX_FAILURES` times: `count_try` counts each try in the database (bastion/auth/auth_attempts.py,
so every worker sees the same count) before the code is checked, and the try that makes it
`MAX_FAILURES` failures deletes the session, so the first factor has to be passed again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from bastion.auth import auth_attempts, totp
from bastion.auth.otp import (
    AUTH_ORIGINS,
    MFAS,
    OTPS,
    consume_row,
    delete_row,
    has_expired,
    root_access,
    system_collection,
)
from bastion.bus.events import RecordEvent
from bastion.core.app_protocol import App
from bastion.core.datetime_format import format_dt
from bastion.core.record_access import Access
from bastion.core.record_model import Record
from bastion.core.record_query import compile_condition, find_by_id
from bastion.errors import BadRequestError
from bastion.store.row_write import delete_rows

log = logging.getLogger("bastion.auth.mfa")

# Wrong codes an MFA session survives; the one that reaches it ends the session.
MAX_FAILURES = 5
INVALID_SESSION = "Invalid or expired MFA session."


def mfa_options(record: Record) -> dict[str, Any]:
    return mfa_options_of(record.collection)


async def wants_mfa(app: App, record: Record, access: Access) -> bool:
    rule = str(mfa_options(record).get("rule") or "")
    if not rule:
        return True
    try:
        cond = compile_condition(
            rule, record.collection, app.registry, access.request_info(), app.db.dialect, allow_hidden=True
        )
        return await find_by_id(app.db, record.collection, record.id, [cond]) is not None
    except Exception as exc:  # a broken rule must not let anyone skip the second factor
        raise BadRequestError("Failed to authenticate.") from exc


async def find_mfa(app: App, mfa_id: str) -> Record | None:
    return await find_by_id(app.db, system_collection(app, MFAS), mfa_id) if mfa_id else None


async def check_mfa(
    app: App, record: Record, method: str, access: Access, mfa_id: str, now: datetime | None = None
) -> str | None:
    """None when the login may complete; else the id of a new MFA session to answer with."""
    opts = mfa_options(record)
    if not opts.get("enabled") or not method or not await wants_mfa(app, record, access):
        return None
    if not mfa_id:
        body = {"collectionRef": record.collection.id, "recordRef": record.id, "method": method}
        async with app.transaction() as tx:
            created = await app.records.create(tx, system_collection(app, MFAS), body, root_access(app))
        return created.id
    row = await find_mfa(app, mfa_id)
    if row is None or has_expired(row, int(opts.get("duration") or 0), now):
        if row is not None:
            await delete_row(app, row)
        raise BadRequestError(INVALID_SESSION)
    if row.data.get("recordRef") != record.id or row.data.get("collectionRef") != record.collection.id:
        raise BadRequestError("Invalid MFA session.")
    if row.data.get("method") == method:
        raise BadRequestError("A different authentication method is required.")
    if not await consume_row(app, row):  # a concurrent second factor completed this session first
        raise BadRequestError(INVALID_SESSION)
    await auth_attempts.forget(app, _tries_key(row.id))
    return None


def _tries_key(mfa_id: str) -> str:
    return f"mfa|{mfa_id}"


async def count_try(app: App, session: Record) -> int:
    """Count one try of a guessable factor on `session`, before its code is checked (so that
    concurrent tries cannot all pass a check made before any was counted). Over the limit the
    session is deleted and the caller gets 400 "Invalid or expired MFA session."."""
    owner = app.registry.find_collection(str(session.data.get("collectionRef", "")))
    duration = int(mfa_options_of(owner).get("duration") or 0) if owner is not None else 0
    attempt = await auth_attempts.count_attempt(app, _tries_key(session.id), max(duration, 1))
    if attempt.count > MAX_FAILURES:
        await end_session(app, session)
        raise BadRequestError(INVALID_SESSION)
    return attempt.count


async def failed_try(app: App, session: Record, tries: int) -> None:
    """A wrong code on `session`, counted as try number `tries`: the last allowed ends it."""
    if tries >= MAX_FAILURES:
        await end_session(app, session)


async def end_session(app: App, session: Record) -> None:
    await delete_row(app, session)
    await auth_attempts.forget(app, _tries_key(session.id))


def mfa_options_of(collection: Any) -> dict[str, Any]:
    opts = collection.options.get("mfa") or {}
    return opts if isinstance(opts, dict) else {}


# ---- keeping `_otps`, `_mfas` and `_totps` in step with their auth records ---------------------


class AuthStateJanitor:
    """PocketBase's hooks on auth records, run from the event bus after commit:

    - a deleted auth record takes its OTPs, MFA sessions, sign-in origins and TOTP secret with it;
    - a new tokenKey (password or email change, "sign out everywhere") voids its pending OTPs;
    - a new password voids its open MFA sessions and forgets its sign-in origins (`_authOrigins`).

    The bus calls subscribers synchronously, so the deletes run as tasks; `drain()` awaits them
    (shutdown, tests). `attach(app, sweep=True)` once at start also sweeps expired OTPs and MFA
    sessions every `sweep_every` seconds (`delete_expired`; PocketBase: hourly) in the process
    that holds the App's leader lock; it returns the janitor.
    """

    def __init__(self, app: App, sweep: bool = False, *, sweep_every: float = 3600.0) -> None:
        self.app = app
        self.sweep_every = sweep_every
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsubscribe = app.bus.subscribe(self._on_event)
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever()) if sweep else None

    @classmethod
    def attach(cls, app: App, sweep: bool = False, *, sweep_every: float = 3600.0) -> AuthStateJanitor:
        """`sweep`: also run `delete_expired` every `sweep_every` seconds (the App's own janitor
        does)."""
        return cls(app, sweep, sweep_every=sweep_every)

    def close(self) -> None:
        self._unsubscribe()
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_every)
            try:
                await self.sweep_once()
            except Exception:
                log.exception("failed to sweep expired OTPs and MFA sessions")

    async def sweep_once(self) -> int | None:
        """Delete what has expired, if this process leads (None when another does: once is
        enough); returns how many rows went."""
        if not self.app.leader.held:
            return None
        await self.app.refresh_if_stale()  # the auth collections' durations, as they are now
        removed = await delete_expired(self.app)
        if removed:
            log.info("removed expired OTPs and MFA sessions", extra={"removed": removed})
        return removed

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _on_event(self, event: RecordEvent) -> None:
        record = event.record
        if not record.collection.is_auth:
            return
        tables: list[str] = []
        if event.action == "delete":
            tables = [OTPS, MFAS, AUTH_ORIGINS, totp.TABLE]
        elif event.action == "update" and event.before is not None:
            if event.before.data.get("tokenKey") != record.data.get("tokenKey"):
                tables.append(OTPS)
            if event.before.data.get("password") != record.data.get("password"):
                tables += [MFAS, AUTH_ORIGINS]
        if not tables:
            return
        task = asyncio.get_running_loop().create_task(self._delete(record, tables))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _delete(self, record: Record, tables: list[str]) -> None:
        owned = {"collectionRef": record.collection.id, "recordRef": record.id}
        try:
            if totp.TABLE in tables:
                await totp.remove(self.app, record)
            # In a write transaction: a DELETE … RETURNING through `app.db` would run on SQLite's
            # read connection, blocking the event loop in its busy wait while another
            # transaction holds the writer across an await.
            async with self.app.transaction() as tx:
                for table in tables:
                    if table != totp.TABLE:
                        await delete_rows(tx, table, owned)
        except Exception:
            log.exception("failed to clean up auth state", extra={"record": record.id})


async def delete_expired(
    app: App, now: datetime | None = None, *, otps: bool = True, mfas: bool = True
) -> int:
    """Drop OTPs (`otps`: with the attempt counters whose window has ended) and MFA sessions
    (`mfas`) past their collection's duration, and rows whose collection is gone (PocketBase
    runs this hourly, as the crons `__pbOTPCleanup__` and `__pbMFACleanup__`). One DELETE per
    auth collection and table: dates are stored as sortable text on both databases, so
    `created < cutoff` is the expiry test."""
    now = now or datetime.now(UTC)
    removed = 0
    auth_collections = [c for c in app.registry.all() if c.is_auth]
    tables = [
        (table, option) for table, option, wanted in ((OTPS, "otp", otps), (MFAS, "mfa", mfas)) if wanted
    ]
    for table, option in tables:
        async with app.transaction() as tx:
            for owner in auth_collections:
                duration = int((owner.options.get(option) or {}).get("duration") or 0)
                cutoff = format_dt(now - timedelta(seconds=duration))
                removed += await delete_rows(
                    tx, table, {"collectionRef": owner.id}, before={"created": cutoff}
                )
            ids = [c.id for c in auth_collections]
            removed += await delete_rows(tx, table, not_in=("collectionRef", ids))
    return removed + (await auth_attempts.sweep(app, now) if otps else 0)
