"""One outgoing e-mail, and its RFC 5322 form.

A `Message` is plain data (who, to whom, subject, HTML and text bodies). `to_email()` turns it
into a stdlib `EmailMessage`: `multipart/alternative` with the plain text first and the HTML
second (clients show the last part they understand), UTF-8 throughout, and a `Message-ID` on the
sender's domain when the caller set none, as PocketBase's mailer adds one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from bastion.mail.mail_html_text import html_to_text


@dataclass(frozen=True)
class Mailbox:
    """An address with an optional display name (`Support <support@example.com>`)."""

    address: str
    name: str = ""

    def header(self) -> str:
        if not self.name:
            return self.address
        return str(Address(display_name=self.name, addr_spec=self.address))


@dataclass
class Message:
    sender: Mailbox
    to: list[Mailbox]
    subject: str
    html: str
    text: str = ""  # derived from `html` when empty
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def recipients(self) -> list[str]:
        return [m.address for m in self.to]

    def to_email(self) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender.header()
        msg["To"] = ", ".join(m.header() for m in self.to)
        # A record value inside the subject may hold a line break; in a header that would let it
        # add headers of its own, and the email package refuses it outright.
        msg["Subject"] = " ".join(self.subject.splitlines())
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        if not any(k.lower() == "message-id" for k in self.headers):
            domain = self.sender.address.rpartition("@")[2] or "localhost"
            msg["Message-ID"] = f"<{secrets.token_hex(8)}@{domain}>"
        for key, value in self.headers.items():
            msg[key] = value
        msg.set_content(self.text or html_to_text(self.html), subtype="plain", charset="utf-8")
        msg.add_alternative(self.html, subtype="html", charset="utf-8")
        return msg
