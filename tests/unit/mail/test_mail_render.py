"""Template rendering, the plain-text alternative and the MIME shape (no I/O)."""

from __future__ import annotations

from bastion.core.collection_model import Collection
from bastion.core.fields import field_from_dict
from bastion.core.record_model import Record
from bastion.core.settings_binding import bind_settings
from bastion.core.settings_sections import Settings
from bastion.mail import Mailbox, Message, html_to_text, render_template

SETTINGS = bind_settings(Settings(), {"meta": {"appName": "Acme & Co", "appURL": "https://acme.test"}})


def _record(**data: object) -> Record:
    fields = [
        field_from_dict({"name": "email", "type": "email"}),
        field_from_dict({"name": "name", "type": "text"}),
        field_from_dict({"name": "age", "type": "number"}),
        field_from_dict({"name": "verified", "type": "bool"}),
        field_from_dict({"name": "tokenKey", "type": "text", "hidden": True}),
    ]
    return Record(Collection(id="c1", name="people", type="auth", fields=fields), dict(data))


def test_placeholders_are_filled_once_and_record_text_is_escaped() -> None:
    record = _record(email="a@b.test", name="<b>{TOKEN}</b>", age=30.0, verified=True, tokenKey="secret")
    template = {
        "subject": "Hi {RECORD:name} from {APP_NAME}",
        "body": "<p>{RECORD:name} {RECORD:age} {RECORD:verified} {RECORD:tokenKey} {UNKNOWN}</p>"
        '<a href="{APP_URL}/t/{TOKEN}">go</a>',
    }
    subject, body = render_template(template, SETTINGS, record, {"{TOKEN}": "tok.en"})
    assert subject == "Hi &lt;b&gt;{TOKEN}&lt;/b&gt; from Acme & Co"  # a value is never expanded again
    assert (
        "<p>&lt;b&gt;{TOKEN}&lt;/b&gt; 30 true {RECORD:tokenKey} {UNKNOWN}</p>" in body
    )  # hidden: untouched
    assert '<a href="https://acme.test/t/tok.en">go</a>' in body
    assert body.startswith("<!DOCTYPE html>")


def test_html_to_text_keeps_links_lists_and_breaks() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body>\n"
        "  <p>Hello,</p>\n  <p>Click <a href='https://x.test/t/abc'>here</a> now.</p>\n"
        "  <ul><li>one</li><li>two</li></ul><img src='x.png'>\n"
        "  <p>Thanks,<br/>  The team</p></body></html>"
    )
    assert html_to_text(html) == (
        "Hello, \r\nClick [here](https://x.test/t/abc) now. \r\n- one\r\n- two \r\nThanks,\r\nThe team"
    )
    assert html_to_text("<a href='u'></a>") == "[LINK](u)"


def test_message_is_multipart_alternative_text_then_html() -> None:
    msg = Message(
        sender=Mailbox("support@acme.test", "Acme Support"),
        to=[Mailbox("ann@example.com")],
        subject="Ünïcode subject",
        html="<p>Hello <a href='https://x.test'>there</a></p>",
    ).to_email()
    assert msg["From"] == "Acme Support <support@acme.test>"
    assert msg["To"] == "ann@example.com"
    assert msg["Subject"] == "Ünïcode subject"
    assert msg["Message-ID"].endswith("@acme.test>")
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert next(msg.iter_parts()).get_content().strip() == "Hello [there](https://x.test)"


def test_a_line_break_in_the_subject_cannot_add_headers() -> None:
    msg = Message(
        sender=Mailbox("support@acme.test"),
        to=[Mailbox("ann@example.com")],
        subject="Hi Ann\r\nBcc: victim@example.com",
        html="<p>x</p>",
    ).to_email()
    assert msg["Subject"] == "Hi Ann Bcc: victim@example.com"
    assert msg["Bcc"] is None
