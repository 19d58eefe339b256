"""New-device sign-in alerts (the auth collection's `authAlert` option), as PocketBase 0.40.6 does.

Every completed sign-in by a method (password, OTP, OAuth2, TOTP; not a refresh or an
impersonation) records where it came from in `_authOrigins`: an MD5 fingerprint of the client
address and User-Agent. A sign-in from a fingerprint the record has not used before sends the
`authAlert.emailTemplate` mail, except on the record's very first sign-in. The mail is a job
queued with the new origin (one transaction) and sent by the queue's runner, so the sign-in
never waits on the mail server (PocketBase waits up to 15 s). Each record keeps its
5 newest origins. A password change forgets them all (AuthStateJanitor in mfa.py).
"""

from __future__ import annotations

import hashlib
import logging

from bastion.auth.auth_mail_queue import queue_alert_mail
from bastion.auth.otp import AUTH_ORIGINS, root_access, system_collection
from bastion.core.app_protocol import App
from bastion.core.datetime_format import now_str
from bastion.core.record_model import Record
from bastion.core.record_query import find_by_id
from bastion.store.row_select import rows_where

log = logging.getLogger("bastion.auth.alert")

MAX_ORIGINS = 5


def fingerprint(ip: str, user_agent: str) -> tuple[str, str]:
    """(fingerprint, the alert text's device info) for a client address and User-Agent."""
    if len(user_agent) > 200:
        user_agent = user_agent[:200] + "..."
    digest = hashlib.md5((ip + user_agent).encode(), usedforsecurity=False).hexdigest()
    return digest, f"{now_str()} - {ip} {user_agent}"


async def note_sign_in(app: App, record: Record, ip: str, user_agent: str) -> None:
    """Record the sign-in's origin; mail the owner when it is new. Never raises: an alert that
    cannot be stored or sent must not stop the sign-in (PocketBase logs it and goes on)."""
    options = record.collection.options.get("authAlert") or {}
    if not isinstance(options, dict) or not options.get("enabled"):
        return
    try:
        await _note(app, record, ip, user_agent)
    except Exception:
        log.exception("failed to record the sign-in origin", extra={"record": record.id})


async def _note(app: App, record: Record, ip: str, user_agent: str) -> None:
    digest, info = fingerprint(ip, user_agent)
    rows = await rows_where(
        app.db,
        AUTH_ORIGINS,
        ["id", "fingerprint"],
        {"collectionRef": record.collection.id, "recordRef": record.id},
        newest_first=["created"],
    )
    origins = system_collection(app, AUTH_ORIGINS)
    current = next((r for r in rows if r["fingerprint"] == digest), None)
    if current is not None:
        # a known device: only its last use moves (the update stamps `updated`)
        async with app.transaction() as tx:
            await app.records.update(tx, origins, str(current["id"]), {}, root_access(app))
        return
    alert = bool(rows and record.data.get("email"))
    if alert and not app.settings.smtp.enabled:
        log.debug("no new sign-in alert: SMTP is disabled", extra={"record": record.id})
        alert = False
    async with app.transaction() as tx:
        if alert:  # the alert commits with the origin it is about (sent by jobs/mail_jobs.py)
            await queue_alert_mail(app, tx, record, info)
        # keep the newest MAX_ORIGINS - 1, so that with the new one there are MAX_ORIGINS
        for row in rows[MAX_ORIGINS - 1 :]:
            old = await find_by_id(tx, origins, str(row["id"]))
            if old is not None:
                await app.records.delete_record(tx, old)
        body = {"collectionRef": record.collection.id, "recordRef": record.id, "fingerprint": digest}
        await app.records.create(tx, origins, body, root_access(app))
