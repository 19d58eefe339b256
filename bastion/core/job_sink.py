"""What a feature below jobs/ may ask of the job queue: add a job inside its own transaction.

The queue (bastion/jobs/queue.py's `JobQueue`) sits above core and auth, so they cannot import
it; they reach it through the App as this protocol. A job added in a transaction exists exactly
when that transaction commits (the outbox; docs/jobs.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bastion.store.database import Executor


class JobSink(Protocol):
    async def enqueue(
        self,
        ex: Executor,
        kind: str,
        payload: dict[str, Any],
        *,
        key: str | None = None,
        delay: float = 0.0,
        max_attempts: int | None = None,
    ) -> bool:
        """Add a job of `kind` in `ex`'s transaction; False when `key` already names one."""
