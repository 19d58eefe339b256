"""The auth collection mails, built from the collection's templates and the settings.

Each builder is pure: given the settings, the auth record and the flow's values (a token, an
OTP ...), it returns the `Message` to send. Where the value comes from (token issuing, OTP
storage) is the auth flows' business.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from bastion.core.record_model import Record
from bastion.core.settings_sections import Settings
from bastion.mail.mail_message import Mailbox, Message
from bastion.mail.mail_render import render_template
from bastion.mail.mail_settings import sender_from_settings


def _message(
    settings: Settings,
    record: Record,
    template: Mapping[str, Any],
    to: str,
    values: dict[str, str],
) -> Message:
    subject, body = render_template(template, settings, record, values)
    return Message(sender=sender_from_settings(settings), to=[Mailbox(to)], subject=subject, html=body)


def _template(record: Record, *path: str) -> Mapping[str, Any]:
    node: Any = record.collection.options
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def verification_mail(settings: Settings, record: Record, token: str) -> Message:
    template = _template(record, "verificationTemplate")
    return _message(settings, record, template, str(record.data.get("email", "")), {"{TOKEN}": token})


def password_reset_mail(settings: Settings, record: Record, token: str) -> Message:
    template = _template(record, "resetPasswordTemplate")
    return _message(settings, record, template, str(record.data.get("email", "")), {"{TOKEN}": token})


def email_change_mail(settings: Settings, record: Record, new_email: str, token: str) -> Message:
    """Sent to the *new* address: following the link proves the requester owns it."""
    template = _template(record, "confirmEmailChangeTemplate")
    return _message(settings, record, template, new_email, {"{TOKEN}": token})


def otp_mail(settings: Settings, record: Record, otp_id: str, password: str) -> Message:
    template = _template(record, "otp", "emailTemplate")
    values = {"{OTP_ID}": otp_id, "{OTP}": password}
    return _message(settings, record, template, str(record.data.get("email", "")), values)


def auth_alert_mail(settings: Settings, record: Record, info: str) -> Message:
    template = _template(record, "authAlert", "emailTemplate")
    values = {"{ALERT_INFO}": html.escape(info)}  # device info comes from request headers
    return _message(settings, record, template, str(record.data.get("email", "")), values)
