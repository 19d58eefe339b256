"""The hook a record write calls inside its own transaction, for work that must commit with it.

Realtime events leave after the commit (`RecordService._emit`, through the bus): losing one when
the process dies right after the commit is acceptable there. Webhooks and broker events are not
allowed to be lost, so they are written as jobs in the same transaction as the record (the
transactional outbox): both commit, or neither. core cannot know the job queue (jobs/ sits above
it), so it defines this protocol and the App hands RecordService an implementation
(bastion/jobs/outbox.py's `Outbox`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bastion.bus.events import Action
    from bastion.core.record_model import Record
    from bastion.store.database import Executor


class RecordChangeHook(Protocol):
    async def record_changed(
        self, tx: Executor, action: Action, record: Record, before: Record | None
    ) -> None:
        """Called after `record` was written in `tx` (for "delete": as it was), before the
        commit; raising rolls the whole write back. Must cost next to nothing when it has
        nothing to do: every create, update and delete (batch and cascades included) calls it."""
