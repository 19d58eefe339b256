"""The mailers: one contract over the memory and SMTP mailers, then SMTP specifics."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bastion.core.settings_binding import bind_settings
from bastion.core.settings_sections import Settings
from bastion.mail import (
    DisabledMailer,
    Mailbox,
    Mailer,
    MailError,
    MemoryMailer,
    Message,
    SmtpMailer,
    mailer_from_settings,
    sender_from_settings,
)
from tests.support.serve_process import free_port
from tests.support.smtp_server import SmtpSink


def _message(to: str = "ann@example.com") -> Message:
    return Message(
        sender=Mailbox("support@acme.test", "Acme"),
        to=[Mailbox(to, "Ann")],
        subject="Hello",
        html="<p>Hi <a href='https://acme.test/t/123'>link</a></p>",
    )


@pytest.fixture(params=["memory", "smtp"])
async def delivered(request: pytest.FixtureRequest, smtp: SmtpSink) -> AsyncIterator[tuple[Mailer, object]]:
    """A mailer and a function returning (recipients, subject, html) of what arrived."""
    if request.param == "memory":
        memory = MemoryMailer()
        yield memory, lambda: [(m.recipients, m.subject, m.html) for m in memory.sent]
    else:
        mailer = SmtpMailer(host=smtp.host, port=smtp.port)
        yield mailer, lambda: [(m.rcpt_tos, m.subject, m.html.strip()) for m in smtp.inbox]


async def test_contract_a_sent_message_arrives_once(delivered: tuple[Mailer, object]) -> None:
    mailer, arrived = delivered
    await mailer.send(_message())
    assert arrived() == [  # type: ignore[operator]
        (["ann@example.com"], "Hello", "<p>Hi <a href='https://acme.test/t/123'>link</a></p>")
    ]


@pytest.mark.parametrize("method", ["PLAIN", "LOGIN"])
async def test_smtp_authenticates_with_the_configured_method(method: str) -> None:
    sink = SmtpSink(login=("mailer", "s3cret")).start()
    try:
        await SmtpMailer(sink.host, sink.port, "mailer", "s3cret", auth_method=method).send(_message())
        assert sink.auth_attempts == [method]
        assert len(sink.inbox) == 1
        with pytest.raises(MailError, match="535"):
            await SmtpMailer(sink.host, sink.port, "mailer", "wrong", auth_method=method).send(_message())
        assert len(sink.inbox) == 1
    finally:
        sink.stop()


async def test_credentials_never_go_over_plaintext_to_a_remote_host() -> None:
    # 127.0.0.2 is loopback too, but not a name the localhost exemption accepts.
    sink = SmtpSink(host="127.0.0.2", login=("mailer", "s3cret")).start()
    try:
        with pytest.raises(MailError, match="unencrypted"):
            await SmtpMailer(sink.host, sink.port, "mailer", "s3cret").send(_message())
        assert sink.auth_attempts == [] and sink.inbox == []
    finally:
        sink.stop()


async def test_unreachable_server_is_a_mail_error() -> None:
    with pytest.raises(MailError, match="127.0.0.1:.*refused"):
        await SmtpMailer("127.0.0.1", free_port()).send(_message())


async def test_disabled_smtp_logs_and_refuses(caplog: pytest.LogCaptureFixture) -> None:
    mailer = mailer_from_settings(Settings())
    assert isinstance(mailer, DisabledMailer)
    with caplog.at_level(logging.WARNING, logger="bastion.mail"), pytest.raises(MailError, match="disabled"):
        await mailer.send(_message())
    [record] = caplog.records
    assert record.mail_to == ["ann@example.com"] and record.mail_subject == "Hello"  # type: ignore[attr-defined]


def test_settings_map_to_the_smtp_mailer_and_sender() -> None:
    body = {
        "smtp": {
            "enabled": True,
            "host": "mail.acme.test",
            "port": 465,
            "username": "u",
            "password": "p",
            "authMethod": "LOGIN",
            "tls": True,
            "localName": "acme.test",
        },
        "meta": {"senderName": "Acme", "senderAddress": "no-reply@acme.test"},
    }
    settings = bind_settings(Settings(), body)
    assert mailer_from_settings(settings) == SmtpMailer(
        "mail.acme.test", 465, "u", "p", auth_method="LOGIN", tls=True, local_name="acme.test"
    )
    assert sender_from_settings(settings) == Mailbox("no-reply@acme.test", "Acme")
