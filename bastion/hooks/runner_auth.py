"""Running the mail and auth hooks: the App hands `MailHookRunner` to the mail senders
(`app.mail_hooks`, mail/mail_send.py) and `AuthHooks` to the sign-in routes (`app.auth_hooks`),
each only when some hook file has such hooks. Failures become what `call_hook` makes of them: a
hook's `HookError` is answered, anything else is logged naming the hook's file and line and
answered as the generic 500."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bastion.hooks.events_auth import MailEvent, OAuth2AuthEvent, RecordAuthEvent
from bastion.hooks.registry import ANY_MAIL, HookRegistry
from bastion.hooks.runner import call_hook

if TYPE_CHECKING:
    from bastion.core.app_protocol import App
    from bastion.core.collection_model import Collection
    from bastion.core.record_model import Record
    from bastion.mail import OutgoingMail


class MailHookRunner:
    """The mail hooks of one load: the hooks of the mail's kind (for its record's collection),
    then `on_mailer_send`'s; the first `cancel()` stops there."""

    def __init__(self, registry: HookRegistry, app: App) -> None:
        self.registry = registry
        self.app = app

    async def before_send(self, mail: OutgoingMail) -> bool:
        event: MailEvent | None = None
        for hook in (*self.registry.mail.get(mail.kind, ()), *self.registry.mail[ANY_MAIL]):
            if hook.collections is not None and (
                mail.record is None or not hook.applies(mail.record.collection)
            ):
                continue
            event = event or MailEvent(self.app, mail.message, mail.kind, mail.record, mail.meta)
            await call_hook(hook, event)
            if event.cancelled:
                return False
        return True


class AuthHooks:
    """The sign-in hooks of one load, as the auth routes call them."""

    def __init__(self, registry: HookRegistry, app: App) -> None:
        self.registry = registry
        self.app = app

    async def auth_request(
        self,
        record: Record,
        auth_method: str,
        meta: dict[str, Any] | None,
        token: str,
        client_ip: str,
        headers: dict[str, str],
    ) -> RecordAuthEvent | None:
        """Run `on_record_auth_request`'s hooks; the event they changed (None: no hook ran)."""
        event: RecordAuthEvent | None = None
        for hook in self.registry.auth_request:
            if hook.applies(record.collection):
                event = event or RecordAuthEvent(
                    self.app, record, auth_method, meta, token, client_ip, headers
                )
                await call_hook(hook, event)
        return event

    async def oauth2_request(
        self,
        collection: Collection,
        provider: str,
        oauth2_user: dict[str, Any],
        record: Record | None,
        create_data: dict[str, Any],
    ) -> None:
        """Run `on_record_auth_with_oauth2_request`'s hooks (`create_data` changed in place)."""
        event: OAuth2AuthEvent | None = None
        for hook in self.registry.oauth2_request:
            if hook.applies(collection):
                event = event or OAuth2AuthEvent(
                    self.app, collection.name, provider, oauth2_user, record, create_data
                )
                await call_hook(hook, event)
