"""The mailer and the sender address that the application settings describe.

Read on every send (settings are a dict that PATCH /api/settings replaces), so a changed SMTP
server applies to the next mail without a restart.
"""

from __future__ import annotations

from typing import Any

from bastion.mail.mail_message import Mailbox
from bastion.mail.mailer import DisabledMailer, Mailer
from bastion.mail.mailer_smtp import AUTH_PLAIN, SmtpMailer


def mailer_from_settings(settings: dict[str, Any]) -> Mailer:
    smtp = settings.get("smtp") or {}
    if not smtp.get("enabled"):
        return DisabledMailer()
    return SmtpMailer(
        host=str(smtp.get("host", "")),
        port=int(smtp.get("port") or 25),
        username=str(smtp.get("username", "")),
        password=str(smtp.get("password", "")),
        auth_method=str(smtp.get("authMethod") or AUTH_PLAIN),
        tls=bool(smtp.get("tls")),
        local_name=str(smtp.get("localName", "")),
    )


def sender_from_settings(settings: dict[str, Any]) -> Mailbox:
    meta = settings.get("meta") or {}
    return Mailbox(address=str(meta.get("senderAddress", "")), name=str(meta.get("senderName", "")))
