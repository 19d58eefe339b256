"""The auth mails' job kinds: each renders its mail and sends it when the job runs.

bastion/auth/auth_mail_queue.py queues them (verification, password reset, OTP, new sign-in
alert) with only what names the mail; here the handler reads the record as it is *now*, issues
the token (so a mail delayed by an SMTP outage carries a token that is fresh when it arrives)
and renders the collection's template with the current settings.

- Nothing to send any more (the record is gone, already verified, its address changed since the
  request): the job ends without a mail.
- SMTP disabled since the request: dead at once (`PermanentJobError`), the reason kept; a
  superuser can retry the job once SMTP is on again.
- A failed send (the server down, a 4xx/5xx answer, no answer within SEND_TIMEOUT) is retried
  after `mail_retry_delay` seconds, doubled (with jitter) each time, up to `mail_max_attempts`;
  then the job is dead with the SMTP error as its `last_error`, and logged.
- A mail hook (docs/hooks.md) that cancels the mail ends the job without it; one that refuses
  it (or fails) makes the job dead at once, the hook's message kept as its reason.
- OTP mails retry for at most OTP_RETRY_CAP seconds between attempts and stop when the OTP has
  expired (dead: it is not sent late). Whenever an OTP's mail dies, the OTP row is deleted, so a
  code nobody received cannot be used; a sent one marks the row's `sentTo`, as before.

The email-change mail and the settings' test mail are not jobs: PocketBase reports their failure
in the answer, so they are sent in the request (docs/jobs.md, "Mail").
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bastion.auth import otp
from bastion.auth.auth_flows import PASSWORD_RESET, VERIFICATION, flow_token
from bastion.auth.auth_mail_queue import AUTH_ALERT_MAIL, OTP_MAIL, PASSWORD_RESET_MAIL, VERIFICATION_MAIL
from bastion.core.record_model import Record
from bastion.core.record_query import find_by_id
from bastion.errors import ApiError, InternalError
from bastion.jobs.backoff import exponential_backoff
from bastion.jobs.queue import Job, PermanentJobError
from bastion.mail import DisabledMailer, MailError, OutgoingMail, mail_auth, mail_send

if TYPE_CHECKING:
    from bastion.core.app_protocol import App
    from bastion.jobs.queue import JobQueue

log = logging.getLogger("bastion.jobs.mail")

_WHAT = {
    mail_send.VERIFICATION: "verification",
    mail_send.PASSWORD_RESET: "password reset",
    mail_send.OTP: "OTP",
    mail_send.LOGIN_ALERT: "new sign-in alert",
}
# One attempt's send, end to end (smtplib's own timeout is 30 s per socket operation).
SEND_TIMEOUT = 45.0
# The job's timeout: the send plus the database reads and writes around it.
_JOB_TIMEOUT = SEND_TIMEOUT + 15.0
MAIL_RETRY_CAP = 3600.0
# An OTP lives minutes (`otp.duration`, 3 by default): its retries stay close together.
OTP_RETRY_CAP = 30.0


def attach_mail_jobs(app: App, queue: JobQueue) -> None:
    """Run the auth mails' jobs in this process."""
    mail = MailJobs(app)
    cfg = app.config
    backoff = exponential_backoff(cfg.mail_retry_delay, MAIL_RETRY_CAP)
    for kind, handler in (
        (VERIFICATION_MAIL, mail.verification),
        (PASSWORD_RESET_MAIL, mail.password_reset),
        (AUTH_ALERT_MAIL, mail.auth_alert),
    ):
        queue.register(
            kind, handler, timeout=_JOB_TIMEOUT, max_attempts=cfg.mail_max_attempts, backoff=backoff
        )
    otp_backoff = exponential_backoff(cfg.mail_retry_delay, OTP_RETRY_CAP)
    queue.register(
        OTP_MAIL, mail.otp, timeout=_JOB_TIMEOUT, max_attempts=cfg.mail_max_attempts, backoff=otp_backoff
    )


class MailJobs:
    def __init__(self, app: App) -> None:
        self.app = app

    # ---- the handlers ---------------------------------------------------------------------

    async def verification(self, job: Job) -> None:
        await self._refresh()
        record = await self._account(job)
        if record is None or record.data.get("verified"):
            return  # verified (or gone) since the request: nothing to confirm
        await self._prepare()
        token = flow_token(record, VERIFICATION)
        message = mail_auth.verification_mail(self.app.settings, record, token)
        await self._send(job, OutgoingMail(message, mail_send.VERIFICATION, record, {"token": token}))

    async def password_reset(self, job: Job) -> None:
        await self._refresh()
        record = await self._account(job)
        if record is None:
            return
        await self._prepare()
        token = flow_token(record, PASSWORD_RESET)
        message = mail_auth.password_reset_mail(self.app.settings, record, token)
        await self._send(job, OutgoingMail(message, mail_send.PASSWORD_RESET, record, {"token": token}))

    async def auth_alert(self, job: Job) -> None:
        await self._refresh()
        record = await self._record(job)
        if record is None or not record.data.get("email"):
            return
        await self._prepare()
        info = str(job.payload.get("info", ""))
        message = mail_auth.auth_alert_mail(self.app.settings, record, info)
        await self._send(job, OutgoingMail(message, mail_send.LOGIN_ALERT, record, {"info": info}))

    async def otp(self, job: Job) -> None:
        app = self.app
        await self._refresh()
        row = await otp.find_otp(app, str(job.payload.get("otpId", "")))
        if row is None:  # swept by the expiry cron, or its record deleted
            raise PermanentJobError("the OTP expired or was deleted before its mail could be sent")
        collection = app.registry.find_collection(str(row.data.get("collectionRef", "")))
        record = (
            None if collection is None else await find_by_id(app.db, collection, str(row.data["recordRef"]))
        )
        if collection is None or record is None:
            await otp.delete_row(app, row)
            raise PermanentJobError("the OTP's account no longer exists")
        if otp.has_expired(row, int((collection.options.get("otp") or {}).get("duration", 0))):
            await otp.delete_row(app, row)
            raise PermanentJobError("the OTP expired before its mail could be sent")
        try:
            await self._prepare()
            code = str(job.payload.get("code", ""))
            message = mail_auth.otp_mail(app.settings, record, row.id, code)
            meta = {"otpId": row.id, "password": code}
            sent = await self._send(job, OutgoingMail(message, mail_send.OTP, record, meta))
        except PermanentJobError:
            await otp.delete_row(app, row)  # a code nobody received must not stay usable
            raise
        except Exception:
            if job.attempt >= job.max_attempts:
                await otp.delete_row(app, row)
            raise
        if sent:  # a code a hook cancelled the mail of stays usable (sent by the hook's own way)
            await otp.mark_sent(app, row.id, str(record.data.get("email", "")))

    # ---- shared steps ---------------------------------------------------------------------

    async def _record(self, job: Job) -> Record | None:
        collection = self.app.registry.find_collection(str(job.payload.get("collectionId", "")))
        if collection is None or not collection.is_auth:
            return None
        return await find_by_id(self.app.db, collection, str(job.payload.get("recordId", "")))

    async def _account(self, job: Job) -> Record | None:
        """The record, if it still has the address the mail was asked for."""
        record = await self._record(job)
        if record is None or record.data.get("email") != job.payload.get("email"):
            return None
        return record

    async def _refresh(self) -> None:
        """The collections and settings (SMTP, the templates' app name and URL) as they are now:
        the job may run in a process that has not seen the latest changes yet."""
        await self.app.refresh_if_stale()

    async def _prepare(self) -> None:
        """Refuse at once, and for good, when SMTP has been disabled since the mail was queued."""
        if not self.app.settings.smtp.enabled:
            raise PermanentJobError(DisabledMailer.REASON)

    async def _send(self, job: Job, mail: OutgoingMail) -> bool:
        """Send `mail` after its hooks (False: a hook cancelled it); a failure is logged and
        raised (the queue retries or buries it)."""
        what, message = _WHAT.get(mail.kind, mail.kind), mail.message
        try:
            async with asyncio.timeout(SEND_TIMEOUT):
                return await mail_send.send_mail(self.app, mail)
        except ApiError as exc:  # a mail hook refused it, or failed (logged naming the hook)
            reason = (
                "a mail hook failed (logged on bastion.hooks with its file and line)"
                if isinstance(exc, InternalError)
                else f"refused by a mail hook: {exc.message}"
            )
            log.warning(
                "the %s mail was not sent: %s",
                what,
                reason,
                extra={"job": job.id, "mail_to": message.recipients},
            )
            raise PermanentJobError(reason) from None
        except (MailError, TimeoutError) as exc:
            reason = str(exc) if isinstance(exc, MailError) else f"no answer within {SEND_TIMEOUT:g} s"
            last = job.attempt >= job.max_attempts
            log.log(
                logging.ERROR if last else logging.WARNING,
                "failed to send the %s mail (attempt %d of %d%s): %s",
                what,
                job.attempt,
                job.max_attempts,
                ", giving up" if last else ", will retry",
                reason,
                extra={"job": job.id, "mail_to": message.recipients},
            )
            raise MailError(reason) from None
