"""The auth mails that leave through the job queue: what each job stores, and when it is added.

Verification, password-reset, OTP and new-sign-in-alert mails are jobs (docs/jobs.md, "Mail"):
an SMTP outage delays them and loses none. A job stores what *names* its mail (the collection,
the record, the address it was asked for), never a token: the handler (bastion/jobs/mail_jobs.py)
reads the record, issues the token and renders the template when it sends. The OTP mail is the
exception: its code is fixed when the OTP row is written (the row keeps only its hash), so the
job carries the code itself, useless once the row is gone.

With `smtp.enabled` false nothing is queued, as nothing was sent before mail became jobs: the
failure is logged (verification, reset, OTP) or the alert skipped, exactly as then.
"""

from __future__ import annotations

import logging
from typing import Any

from bastion.core.app_protocol import App
from bastion.core.collection_model import Collection
from bastion.core.ids import new_record_id
from bastion.core.record_model import Record
from bastion.mail import DisabledMailer
from bastion.store.database import Executor

log = logging.getLogger("bastion.auth.mail")

VERIFICATION_MAIL = "mail.verification"
PASSWORD_RESET_MAIL = "mail.passwordReset"
OTP_MAIL = "mail.otp"
AUTH_ALERT_MAIL = "mail.authAlert"
MAIL_KINDS = (VERIFICATION_MAIL, PASSWORD_RESET_MAIL, OTP_MAIL, AUTH_ALERT_MAIL)
_WHAT = {
    VERIFICATION_MAIL: "verification",
    PASSWORD_RESET_MAIL: "password reset",
    OTP_MAIL: "OTP",
    AUTH_ALERT_MAIL: "new sign-in alert",
}


class _Discard(Exception):
    """Rolls back the stand-in's transaction (an address without an account)."""


def smtp_enabled(app: App, kind: str) -> bool:
    """Whether `kind`'s mail can be queued; when SMTP is disabled, says so in the log (as the
    disabled mailer did when these mails were sent from the request)."""
    if app.settings.smtp.enabled:
        return True
    _log_disabled(kind)
    return False


def _log_disabled(kind: str) -> None:
    log.error("failed to send the %s mail: %s", _WHAT[kind], DisabledMailer.REASON)


def record_payload(record: Record) -> dict[str, Any]:
    return {"collectionId": record.collection.id, "recordId": record.id}


async def queue_account_mail(app: App, kind: str, collection: Collection, record: Record | None) -> None:
    """Queue the verification or password-reset mail for `record`. With None (no account for
    the address, or nothing to send) the same INSERT runs in a transaction that is rolled back,
    so the answer costs the same either way and does not tell who is registered."""
    if not app.settings.smtp.enabled:
        if record is not None:  # as the disabled mailer logged when this mail was sent here
            _log_disabled(kind)
        return
    target = record or Record(collection, {"id": new_record_id(), "email": ""})
    payload = {**record_payload(target), "email": str(target.data.get("email", ""))}
    try:
        async with app.db.transaction() as tx:
            await app.jobs.enqueue(tx, kind, payload)
            if record is None:
                raise _Discard
    except _Discard:
        pass


async def queue_otp_mail(app: App, tx: Executor, otp_id: str, code: str) -> None:
    """Queue the OTP mail in `tx`, the transaction that writes the OTP row: both or neither."""
    await app.jobs.enqueue(tx, OTP_MAIL, {"otpId": otp_id, "code": code})


async def queue_alert_mail(app: App, tx: Executor, record: Record, info: str) -> None:
    """Queue the new sign-in alert in `tx`, the transaction that stores the new origin."""
    await app.jobs.enqueue(tx, AUTH_ALERT_MAIL, {**record_payload(record), "info": info})
