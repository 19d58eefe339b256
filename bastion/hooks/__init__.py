"""Python hooks: the files of `bastion_hooks/` (`--hooksDir`) extend Bastion as PocketBase's
pb_hooks do (docs/hooks.md).

    from bastion.hooks import HookError, hooks

    @hooks.on_record_create("posts")
    def title_upper(e):
        e.record["title"] = e.record["title"].upper()

    @hooks.route("GET", "/api/hello/{name}")
    async def hello(e):
        return {"message": f"Hello {e.path_params['name']}"}

The package sits beside the features: it imports core (the record model, the `RecordWriteHooks`
protocol it implements) and the errors; the App loads it and hands core its `RecordHooks`, and
the API answers its routes.
"""

from bastion.hooks.errors import HookError, HookLoadError, ValidationError
from bastion.hooks.events import CronEvent, RecordEvent, RecordRequestEvent, Reply, RouteEvent
from bastion.hooks.loader import load_hooks
from bastion.hooks.records import HookRecords
from bastion.hooks.registry import Hook, HookCron, HookRegistry, HookRoute, Hooks, hooks
from bastion.hooks.reload import HookReloader
from bastion.hooks.runner import RecordHooks, RequestHooks, call_hook, run_cron, settle_after_hooks

__all__ = [
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
