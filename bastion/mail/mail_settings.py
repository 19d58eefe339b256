"""The mailer and the sender address that the application settings describe.

Read on every send (the App holds the current settings, replaced whole by PATCH /api/settings),
so a changed SMTP server applies to the next mail without a restart.
"""

from __future__ import annotations

from bastion.core.settings_sections import Settings
from bastion.mail.mail_message import Mailbox
from bastion.mail.mailer import DisabledMailer, Mailer
from bastion.mail.mailer_smtp import AUTH_PLAIN, SmtpMailer


def mailer_from_settings(settings: Settings) -> Mailer:
    smtp = settings.smtp
    if not smtp.enabled:
        return DisabledMailer()
    return SmtpMailer(
        host=smtp.host,
        port=smtp.port or 25,
        username=smtp.username,
        password=smtp.password,
        auth_method=smtp.auth_method or AUTH_PLAIN,
        tls=smtp.tls,
        local_name=smtp.local_name,
    )


def sender_from_settings(settings: Settings) -> Mailbox:
    return Mailbox(address=settings.meta.sender_address, name=settings.meta.sender_name)
