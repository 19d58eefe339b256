"""Sending a mail through the mail hooks: what every mail Bastion sends goes through.

An `OutgoingMail` is a message and what it is: its kind (`verification`, `password-reset`,
`email-change`, `otp`, `login-alert`), the auth record it is for, and the flow's values (a token,
an OTP ...). `send_mail` hands it to the hook files' mail hooks (bastion/hooks/, docs/hooks.md),
which may change the message, cancel it (nothing is sent, no error) or refuse it (an ApiError, as
any hook's); then sends it through the mailer the settings describe.

The hooks reach here through the App (`app.mail_hooks`, None when no file has a mail hook), so
mail and the auth flows never import the hooks package above them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bastion.mail.mail_message import Message
from bastion.mail.mail_settings import mailer_from_settings

if TYPE_CHECKING:
    from bastion.core.app_protocol import App
    from bastion.core.record_model import Record

VERIFICATION = "verification"
PASSWORD_RESET = "password-reset"
EMAIL_CHANGE = "email-change"
OTP = "otp"
LOGIN_ALERT = "login-alert"
KINDS = (VERIFICATION, PASSWORD_RESET, EMAIL_CHANGE, OTP, LOGIN_ALERT)


@dataclass
class OutgoingMail:
    message: Message
    kind: str
    record: Record | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    """The flow's values: `token` (verification, password reset, email change), `newEmail`,
    `otpId` and `password` (OTP), `info` (login alert)."""


class MailHooks(Protocol):
    async def before_send(self, mail: OutgoingMail) -> bool:
        """Run the mail hooks on `mail` (its message changed in place); False when one cancelled
        it. A hook's refusal raises (an ApiError)."""


async def send_mail(app: App, mail: OutgoingMail) -> bool:
    """Send `mail` after its hooks; False when a hook cancelled it. Raises MailError when the
    mailer failed, and a hook's ApiError when a hook refused it."""
    hooks = app.mail_hooks
    if hooks is not None and not await hooks.before_send(mail):
        return False
    await mailer_from_settings(app.settings).send(mail.message)
    return True
