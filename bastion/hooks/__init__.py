"""Python hooks: the files of `bastion_hooks/` (`--hooksDir`) extend Bastion as PocketBase's
pb_hooks do (docs/hooks.md).

    from bastion.hooks import HookError, hooks

    @hooks.on_record_create("posts")
    def title_upper(e):
        e.record["title"] = e.record["title"].upper()

    @hooks.route("GET", "/api/hello/{name}")
    async def hello(e):
        return {"message": f"Hello {e.path_params['name']}"}

Mail hooks (`on_mailer_send`, `on_mailer_record_*_send`) and sign-in hooks
(`on_record_auth_request`, `on_record_auth_with_oauth2_request`) are registered the same way;
installed packages add hooks through a `bastion.plugins` entry point (plugins.py).

The package sits beside the features: it imports core (the record model, the `RecordWriteHooks`
protocol it implements), mail (the message a mail hook changes) and the errors; the App loads it
and hands core its `RecordHooks`, the mail senders its `MailHookRunner` (`app.mail_hooks`), and
the API answers its routes and runs its `AuthHooks`.
"""

from bastion.hooks.errors import HookError, HookLoadError, ValidationError
from bastion.hooks.events import CronEvent, RecordEvent, RecordRequestEvent, Reply, RouteEvent
from bastion.hooks.events_auth import MailEvent, OAuth2AuthEvent, RecordAuthEvent
from bastion.hooks.loader import load_hooks
from bastion.hooks.records import HookRecords
from bastion.hooks.registry import Hook, HookCron, HookRegistry, HookRoute, Hooks, hooks
from bastion.hooks.reload import HookReloader
from bastion.hooks.runner import RecordHooks, RequestHooks, call_hook, run_cron, settle_after_hooks
from bastion.hooks.runner_auth import AuthHooks, MailHookRunner
from bastion.mail import Mailbox, Message

__all__ = [
    "AuthHooks",
    "CronEvent",
    "Hook",
    "HookCron",
    "HookError",
    "HookLoadError",
    "HookRecords",
    "HookRegistry",
    "HookReloader",
    "HookRoute",
    "Hooks",
    "MailEvent",
    "MailHookRunner",
    "Mailbox",
    "Message",
    "OAuth2AuthEvent",
    "RecordAuthEvent",
    "RecordEvent",
    "RecordHooks",
    "RecordRequestEvent",
    "Reply",
    "RequestHooks",
    "RouteEvent",
    "ValidationError",
    "call_hook",
    "hooks",
    "load_hooks",
    "run_cron",
    "settle_after_hooks",
]
