"""A real SMTP server for tests: aiosmtpd in its own thread, keeping what it receives.

`SmtpSink` accepts every message (optionally demanding AUTH with one username/password; or
refusing every one with `refusal`, e.g. a 554) and parses it into a stdlib `EmailMessage`. Each received mail is appended only once the server has
answered the DATA command, so a client whose `send` returned has its mail in `inbox`. With
`spool_dir`, each mail is also written there as `<n>.json` ({to, subject, html}) for readers in
another process (the JS SDK scenarios). `stop()` then `start()` brings the server back on the
same port (an SMTP outage and its end).
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import threading
import warnings
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.serve_process import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == f"text/{subtype}":
                return str(part.get_content())
        raise AssertionError(f"no text/{subtype} part in the mail")

    @property
    def html(self) -> str:
        return self.part("html")

    @property
    def text(self) -> str:
        return self.part("plain")

    def link_token(self, action: str) -> str:
        """The token in the mail's `.../<action>/<TOKEN>` link (taken from the HTML part)."""
        found = re.search(rf"/{re.escape(action)}/([A-Za-z0-9_\-.]+)", self.html)
        assert found, f"no {action} link in: {self.html}"
        return found.group(1)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.sink.refusal is not None:
            self.sink.refused += 1
            return self.sink.refusal
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), parsed)
        with self.sink.lock:
            self.sink.inbox.append(received)
            if self.sink.spool_dir is not None:
                self.sink.spool(received, len(self.sink.inbox))
        return "250 OK"


class SmtpSink:
    def __init__(
        self, host: str = "127.0.0.1", login: tuple[str, str] | None = None, spool_dir: str | None = None
    ) -> None:
        self.host = host
        self.spool_dir = spool_dir
        self.port = free_port(host)
        self.inbox: list[Received] = []
        self.lock = threading.Lock()
        self.auth_attempts: list[str] = []  # mechanisms clients tried
        # When set, the answer to every DATA command (e.g. "554 5.7.1 …"): the mail is refused.
        self.refusal: str | None = None
        self.refused = 0
        self._login = login
        self.controller = self._controller()

    def _controller(self) -> Controller:
        kwargs: dict[str, Any] = {}
        if self._login is not None:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False, "auth_required": True}
        return Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        self.auth_attempts.append(mechanism)
        ok = (
            isinstance(data, LoginPassword)
            and self._login is not None
            and (data.login.decode(), data.password.decode()) == self._login
        )
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpSink:
        # aiosmtpd warns, on every connection, that AUTH without TLS is unsafe: that is the point
        # of this server. (pytest restores the warning filters after each test.)
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        if self.controller._thread is None and self.controller.loop.is_closed():
            self.controller = self._controller()  # started again after a stop: same port, same inbox
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller._thread is not None:  # stopping twice is fine (a test may stop it early)
            self.controller.stop()
        elif not self.controller.loop.is_closed():  # never started (a server that is down)
            self.controller.loop.close()

    def spool(self, received: Received, number: int) -> None:
        """Write the mail as JSON, renamed into place so a reader never sees half a file."""
        assert self.spool_dir is not None
        body = {"to": received.rcpt_tos, "subject": received.subject, "html": received.html}
        path = os.path.join(self.spool_dir, f"{number:05d}.json")
        with open(path + ".tmp", "w") as out:
            json.dump(body, out)
        os.replace(path + ".tmp", path)

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.inbox if address in m.rcpt_tos]

    def settings_patch(self, **smtp: Any) -> dict[str, Any]:
        """A PATCH /api/settings body pointing Bastion at this server."""
        return {
            "smtp": {"enabled": True, "host": self.host, "port": self.port, "tls": False, **smtp},
            "meta": {
                "appName": "Acme",
                "appURL": "http://app.test",
                "senderName": "Acme Support",
                "senderAddress": "support@acme.test",
            },
        }
