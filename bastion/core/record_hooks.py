"""What a record write asks of user hooks (bastion/hooks/, the Python files of `bastion_hooks/`).

core cannot import the hooks package (it sits above core, loaded by the App), so it defines this
protocol and the App hands RecordService an implementation (`bastion.hooks.RecordHooks`) only
when some hook file registered a record hook: with none, a write pays one `is None` check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bastion.bus.events import Action
    from bastion.core.record_model import Record
    from bastion.store.database import Executor


class RecordWriteHooks(Protocol):
    async def before_write(
        self, tx: Executor, action: Action, record: Record, before: Record | None, errors: dict[str, Any]
    ) -> None:
        """Called inside `tx` before `record` is written (create, update) or deleted, after the
        collection's rule allowed it and before the fields are validated. A hook may change
        `record.data`, add field errors to `errors` (answered as PocketBase's 400 with the
        validation's own), or raise an ApiError to refuse the write; any other exception rolls
        the write back and is answered 500."""

    def after_write(self, tx: Executor, action: Action, record: Record, before: Record | None) -> None:
        """Called once `record` was written in `tx` (a snapshot); schedules the after-commit
        hooks to run once `tx` commits (never after a rollback)."""
