"""Sending over SMTP with the standard library's `smtplib`, in a worker thread.

`smtplib` blocks, so `send()` runs the whole exchange through `asyncio.to_thread`: the event loop
never waits on a mail server. A client is made per message (PocketBase does the same): settings
changes apply to the next mail, and no idle connection is kept open.

Transport security follows PocketBase's client: `tls = true` means implicit TLS from the first
byte (SMTPS, usually port 465); otherwise the connection is upgraded with STARTTLS whenever the
server offers it. Credentials (PLAIN by default, or LOGIN) are only ever sent over an encrypted
connection or to a server on localhost, as Go's `net/smtp` insists; anything else fails with a
`MailError` rather than leaking the password.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass

from bastion.mail.mail_message import Message
from bastion.mail.mailer import MailError

AUTH_PLAIN = "PLAIN"
AUTH_LOGIN = "LOGIN"
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int
    username: str = ""
    password: str = ""
    auth_method: str = AUTH_PLAIN
    tls: bool = False
    local_name: str = ""  # the EHLO name; some relays (Gmail's) want a real domain
    timeout: float = 30.0

    async def send(self, message: Message) -> None:
        await asyncio.to_thread(self._send_blocking, message)

    def _send_blocking(self, message: Message) -> None:
        email = message.to_email()
        context = ssl.create_default_context()
        ehlo_name = self.local_name or "localhost"
        try:
            client: smtplib.SMTP
            if self.tls:
                client = smtplib.SMTP_SSL(
                    self.host, self.port, local_hostname=ehlo_name, timeout=self.timeout, context=context
                )
            else:
                client = smtplib.SMTP(self.host, self.port, local_hostname=ehlo_name, timeout=self.timeout)
            with client:
                client.ehlo()
                encrypted = self.tls
                if not self.tls and client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                    encrypted = True
                if self.username or self.password:
                    self._authenticate(client, encrypted)
                client.send_message(email, from_addr=message.sender.address, to_addrs=message.recipients)
        except MailError:
            raise
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(
                f"SMTP delivery through {self.host}:{self.port} failed: {_describe(exc)}"
            ) from exc

    def _authenticate(self, client: smtplib.SMTP, encrypted: bool) -> None:
        if not encrypted and self.host.lower() not in _LOCAL_HOSTS:
            raise MailError(
                f"refusing to send SMTP credentials to {self.host} over an unencrypted connection"
                " (enable smtp.tls or use a server that offers STARTTLS)"
            )
        client.user, client.password = self.username, self.password
        if self.auth_method.upper() == AUTH_LOGIN:
            client.auth("LOGIN", client.auth_login, initial_response_ok=False)
        else:
            client.auth("PLAIN", client.auth_plain)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "every recipient was refused: " + ", ".join(exc.recipients)
    return str(exc) or type(exc).__name__
