"""Running hooks: record hooks on writes (core's `RecordWriteHooks`) and one hook call, with
what a hook's failure becomes.

A hook's `HookError`, `ValidationError` (any ApiError) reaches the client as PocketBase's error
JSON. Any other exception is a bug in the hook: it is logged once on `bastion.hooks`, naming the
hook file and line where it was raised, and the client gets the generic 500, never the traceback.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bastion.errors import ApiError, InternalError
from bastion.hooks.events import RecordEvent, RecordRequestEvent
from bastion.hooks.loader import line_in
from bastion.hooks.registry import Hook, HookRegistry

if TYPE_CHECKING:
    from bastion.bus.events import Action
    from bastion.core.app_protocol import App
    from bastion.core.collection_model import Collection
    from bastion.core.record_access import Access
    from bastion.core.record_model import Record
    from bastion.store.database import Executor

log = logging.getLogger("bastion.hooks")

_AFTER = "_bastion_after_hooks"  # the tasks of a transaction's after-commit hooks, on the transaction


async def call_hook(hook: Hook, event: Any) -> Any:
    """`hook`'s function on `event`, awaited when it is async; an unexpected exception is logged
    and becomes the generic 500 (InternalError)."""
    try:
        result = hook.fn(event)
        if hook.is_async:
            result = await result
        return result
    except ApiError:
        raise
    except Exception as exc:
        log_failure(hook, exc)
        raise InternalError() from None


def log_failure(hook: Hook, exc: BaseException) -> None:
    line = line_in(exc, hook.file, hook.line)
    log.error(
        "hook %s:%d (%s) raised %s: %s",
        hook.file,
        line,
        hook.name,
        type(exc).__name__,
        exc,
        extra={"fields": {"hook_file": hook.file, "hook_line": line, "hook": hook.name}},
        exc_info=exc,
    )


class RequestHooks:
    """The request hooks of one load, as the record routes call them (api/records.py)."""

    def __init__(self, registry: HookRegistry, app: App) -> None:
        self.registry = registry
        self.app = app

    async def run(
        self,
        action: Action,
        collection: Collection,
        body: dict[str, Any],
        access: Access,
        record_id: str | None,
    ) -> None:
        """Run the hooks for `action` on `collection`; `body` is changed in place."""
        event: RecordRequestEvent | None = None
        for hook in self.registry.request[action]:
            if hook.applies(collection):
                event = event or RecordRequestEvent(
                    self.app, action, collection, body, access.auth, record_id
                )
                await call_hook(hook, event)


class RecordHooks:
    """The record hooks of one load, as RecordService calls them (core/record_hooks.py)."""

    def __init__(self, registry: HookRegistry, app: App) -> None:
        self.registry = registry
        self.app = app
        self._tasks: set[asyncio.Task[None]] = set()

    async def before_write(
        self, tx: Executor, action: Action, record: Record, before: Record | None, errors: dict[str, Any]
    ) -> None:
        hooks = self.registry.before[action]
        if not hooks:
            return
        event: RecordEvent | None = None
        for hook in hooks:
            if hook.applies(record.collection):
                event = event or RecordEvent(self.app, action, record, before, errors)
                await call_hook(hook, event)

    def after_write(self, tx: Executor, action: Action, record: Record, before: Record | None) -> None:
        hooks = [h for h in self.registry.after[action] if h.applies(record.collection)]
        if hooks:
            event = RecordEvent(self.app, action, record, before)
            tx.on_commit(lambda: self._spawn(tx, hooks, event))

    def _spawn(self, tx: Executor, hooks: list[Hook], event: RecordEvent) -> None:
        task = asyncio.ensure_future(_run_after(hooks, event))
        self._tasks.add(task)  # a reference, until it is done
        task.add_done_callback(self._tasks.discard)
        tx.__dict__.setdefault(_AFTER, []).append(task)


async def _run_after(hooks: list[Hook], event: RecordEvent) -> None:
    for hook in hooks:
        try:
            result = hook.fn(event)
            if hook.is_async:
                await result
        except Exception as exc:  # noqa: BLE001 - the write committed: logged, never answered
            log_failure(hook, exc)


async def settle_after_hooks(tx: Executor) -> None:
    """Wait for the after-commit hooks `tx`'s writes started (the App answers after them)."""
    tasks = tx.__dict__.pop(_AFTER, None)
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
