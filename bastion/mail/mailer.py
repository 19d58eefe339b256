"""The mailer interface and the two mailers that need no server.

    Mailer          async send(message) -> None; raises MailError when the message was not sent
    MemoryMailer    keeps what it was given (tests, previews)
    DisabledMailer  used when `smtp.enabled` is false: logs the message's envelope and refuses

PocketBase falls back to the local `sendmail` binary when SMTP is disabled. Bastion does not: a
server that silently hands mail to whatever `sendmail` the host has is hard to reason about (in a
container there is usually none, and the mail is lost without a word). Instead the disabled
mailer logs who the message was for and what it was about (never its body, which carries
tokens) and raises `MailError`, so every caller reports the failure the way it reports an SMTP
failure: the test-email endpoint answers 400 with the reason, background sends log an error.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bastion.mail.mail_message import Message

log = logging.getLogger("bastion.mail")


class MailError(Exception):
    """The message was not sent; the text says why in words an operator can act on."""


class Mailer(Protocol):
    async def send(self, message: Message) -> None: ...


class MemoryMailer:
    """Keeps every message it is given, in order."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    async def send(self, message: Message) -> None:
        self.sent.append(message)


class DisabledMailer:
    REASON = "SMTP is disabled in the settings (smtp.enabled is false), so no mail can be sent."

    async def send(self, message: Message) -> None:
        log.warning(
            "mail not sent: SMTP is disabled",
            extra={"mail_to": message.recipients, "mail_subject": message.subject},
        )
        raise MailError(self.REASON)
