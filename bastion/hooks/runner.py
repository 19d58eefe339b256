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

from bastion.core.record_model import snapshot
from bastion.errors import ApiError, InternalError
from bastion.hooks.events import CronEvent, RecordEvent, RecordRequestEvent
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

# on a committed transaction: its after-commit hooks not run yet, and the tasks running them
_AFTER = "_bastion_after_hooks"
_TASKS = "_bastion_after_hook_tasks"


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


async def run_cron(hook: Hook, event: CronEvent) -> None:
    """A cron hook's tick: a failure is logged naming the hook's file and line, and the next
    tick runs again (as the built-in crons)."""
    try:
        result = hook.fn(event)
        if hook.is_async:
            await result
    except Exception as exc:  # noqa: BLE001 - nobody to answer: logged
        log_failure(hook, exc)


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
                event = event or RecordEvent(self.app, action, record, before, errors, tx)
                await call_hook(hook, event)

    def after_write(self, tx: Executor, action: Action, record: Record, before: Record | None) -> None:
        hooks = [h for h in self.registry.after[action] if h.applies(record.collection)]
        if hooks:  # copies: the bus publishes `record` to realtime, whatever a hook does to its own
            event = RecordEvent(self.app, action, snapshot(record), snapshot(before) if before else None)
            tx.on_commit(lambda: self._committed(tx, hooks, event))

    def _committed(self, tx: Executor, hooks: list[Hook], event: RecordEvent) -> None:
        """Queue the hooks on the committed transaction: App.transaction runs them in line
        (`settle_after_hooks`) before it answers; a write outside it leaves them to a task."""
        queued: list[tuple[list[Hook], RecordEvent]] = tx.__dict__.setdefault(_AFTER, [])
        queued.append((hooks, event))
        if len(queued) == 1:
            asyncio.get_running_loop().call_soon(self._unclaimed, tx)

    def _unclaimed(self, tx: Executor) -> None:
        queued = tx.__dict__.pop(_AFTER, None)
        if queued:
            task = asyncio.ensure_future(_run_queued(queued))
            self._tasks.add(task)  # a reference, until it is done
            task.add_done_callback(self._tasks.discard)
            tx.__dict__.setdefault(_TASKS, []).append(task)


async def _run_queued(queued: list[tuple[list[Hook], RecordEvent]]) -> None:
    for hooks, event in queued:
        await _run_after(hooks, event)


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
    queued = tx.__dict__.pop(_AFTER, None)
    if queued:
        await _run_queued(queued)
    tasks = tx.__dict__.pop(_TASKS, None)
    if tasks:  # the loop ran between the commit and now: a task took them
        await asyncio.gather(*tasks, return_exceptions=True)
