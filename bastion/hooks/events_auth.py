"""What mail and auth hooks receive: a mail about to be sent, a sign-in about to be answered, an
OAuth2 sign-in about to find or create its record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bastion.hooks.records import HookRecords
from bastion.mail import Mailbox, Message

if TYPE_CHECKING:
    from bastion.core.app_protocol import App
    from bastion.core.record_model import Record


class MailEvent:
    """A mail about to be sent (`on_mailer_send`, `on_mailer_record_*_send`).

    `message` is the mail (`to`, a list of `Mailbox`; `subject`, `html`, `text`: the plain text,
    derived from the HTML when empty; `sender`, `headers`): change it in place. `kind` says which
    mail it is (`verification`, `password-reset`, `email-change`, `otp`, `login-alert`), `record`
    the auth record it is for, `meta` the flow's values (`token`, `newEmail`, `otpId` and
    `password`, `info`). `cancel()` drops it: nothing is sent, and the flow goes on as if it was;
    raising `HookError` refuses it."""

    __slots__ = ("app", "message", "kind", "record", "meta", "cancelled")

    def __init__(
        self, app: App, message: Message, kind: str, record: Record | None, meta: dict[str, Any]
    ) -> None:
        self.app = app
        self.message = message
        self.kind = kind
        self.record = record
        self.meta = meta
        self.cancelled = False

    @property
    def to(self) -> list[str]:
        """The recipients' addresses."""
        return self.message.recipients

    @to.setter
    def to(self, addresses: list[str]) -> None:
        self.message.to = [Mailbox(a) for a in addresses]

    @property
    def collection(self) -> str | None:
        """The record's collection name (None for a mail without a record)."""
        return self.record.collection.name if self.record is not None else None

    def cancel(self) -> None:
        """Do not send this mail (the hooks after this one do not run)."""
        self.cancelled = True

    @property
    def records(self) -> HookRecords:
        """Records (bastion/hooks/records.py), as a superuser."""
        return HookRecords(self.app)


class RecordAuthEvent:
    """A sign-in about to be answered (`on_record_auth_request`): the credentials were checked
    and the collection's authRule passed; MFA comes next.

    `record` is the auth record signing in, `auth_method` how (`password`, `otp`, `totp`,
    `oauth2`; "" for a token refresh or an impersonation), `meta` what the answer carries as
    `meta` (OAuth2's provider data; None otherwise: set a dict to add one), `token` the token the
    answer carries. Raise `HookError` to refuse the sign-in."""

    __slots__ = ("app", "record", "auth_method", "meta", "token", "client_ip", "headers")

    def __init__(
        self,
        app: App,
        record: Record,
        auth_method: str,
        meta: dict[str, Any] | None,
        token: str,
        client_ip: str,
        headers: dict[str, str],
    ) -> None:
        self.app = app
        self.record = record
        self.auth_method = auth_method
        self.meta = meta
        self.token = token
        self.client_ip = client_ip
        self.headers = headers

    @property
    def collection(self) -> str:
        return self.record.collection.name

    @property
    def records(self) -> HookRecords:
        """Records (bastion/hooks/records.py), as a superuser."""
        return HookRecords(self.app)


class OAuth2AuthEvent:
    """An OAuth2 sign-in whose provider answered (`on_record_auth_with_oauth2_request`), before
    its record is linked or created.

    `provider` is the provider's name, `oauth2_user` what it says of the user (`id`, `name`,
    `username`, `email`, `avatarURL`, `rawUser`), `record` the existing record the sign-in found
    (None: a new record will be created), `is_new_record`, and `create_data` the fields of the
    new record (the client's `createData`; change it in place; the email, the mapped fields and a
    random password are filled in after, where it leaves them unset). Raise `HookError` to refuse
    the sign-in (or only the account creation, when `is_new_record`)."""

    __slots__ = ("app", "collection_name", "provider", "oauth2_user", "record", "create_data")

    def __init__(
        self,
        app: App,
        collection: str,
        provider: str,
        oauth2_user: dict[str, Any],
        record: Record | None,
        create_data: dict[str, Any],
    ) -> None:
        self.app = app
        self.collection_name = collection
        self.provider = provider
        self.oauth2_user = oauth2_user
        self.record = record
        self.create_data = create_data

    @property
    def collection(self) -> str:
        return self.collection_name

    @property
    def is_new_record(self) -> bool:
        return self.record is None

    @property
    def records(self) -> HookRecords:
        """Records (bastion/hooks/records.py), as a superuser."""
        return HookRecords(self.app)
