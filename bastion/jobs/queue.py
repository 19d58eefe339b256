"""JobQueue: the outbox. Jobs are rows of `_jobs` (store/job_queue.py) in the records' database.

`enqueue(ex, …)` inserts in `ex`'s transaction, so a job exists exactly when the write that caused
it committed; after the commit it wakes this process's runner (`ex.on_commit`) and tells the
enqueue listeners (jobs/wakeup.py wakes the other processes' runners; their polls are the safety
net). Handlers are registered by kind, with their timeout,
attempts and back-off; a runner claims only the kinds its process registered.

A handler is `async def handler(job: Job) -> None`: returning marks the job done; raising any
exception schedules a retry (the message is kept as `last_error`) until `max_attempts`, then the
job is dead; raising `PermanentJobError` makes it dead at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bastion.core.datetime_format import now_str
from bastion.core.ids import new_record_id
from bastion.jobs.backoff import Backoff, exponential_backoff
from bastion.obs import tracing
from bastion.store import job_queue
from bastion.store.database import Database, Executor, Row
from bastion.store.json_codec import dumps, loads

log = logging.getLogger("bastion.jobs")

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 8
# A claim lasts the job's timeout plus this: time to record the outcome after the timeout fires.
VISIBILITY_MARGIN = 15.0
# Done jobs are kept this long so their keys keep de-duplicating (a late cron tick, a repeated
# webhook delivery), then purged.
DONE_RETENTION = 3600.0


class PermanentJobError(Exception):
    """Raised by a handler: the job can never succeed; dead-letter it without retrying."""


@dataclass(frozen=True)
class Job:
    """What a handler gets: one attempt at one job."""

    id: str
    kind: str
    payload: dict[str, Any]
    attempt: int  # 1-based: this attempt's number
    max_attempts: int
    created: str


@dataclass(frozen=True)
class JobInfo:
    """A job as the dashboard lists it."""

    id: str
    kind: str
    payload: dict[str, Any]
    key: str | None
    status: str
    attempts: int
    max_attempts: int
    run_at: float
    last_error: str | None
    created: str
    updated: str

    @classmethod
    def from_row(cls, row: Row) -> JobInfo:
        return cls(
            id=row["id"],
            kind=row["kind"],
            payload=loads(row["payload"]),
            key=row["key"],
            status=row["status"],
            attempts=int(row["attempts"]),
            max_attempts=int(row["max_attempts"]),
            run_at=float(row["run_at"]),
            last_error=row["last_error"],
            created=row["created"],
            updated=row["updated"],
        )


Handler = Callable[[Job], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    handler: Handler
    timeout: float
    max_attempts: int
    backoff: Backoff
    visibility: float  # seconds a claim lasts: the timeout plus the queue's margin


class JobQueue:
    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], float] = time.time,
        visibility_margin: float = VISIBILITY_MARGIN,
    ) -> None:
        """`clock`: unix seconds, for `run_at`; `visibility_margin`: how long past its timeout a
        claimed job waits before another runner may take it over (tests shorten it)."""
        self.db = db
        self.clock = clock
        self.visibility_margin = visibility_margin
        self.kinds: dict[str, JobKind] = {}
        self._listeners: list[Callable[[], None]] = []
        self._enqueue_listeners: list[Callable[[], None]] = []

    @classmethod
    async def open(
        cls,
        db: Database,
        *,
        clock: Callable[[], float] = time.time,
        visibility_margin: float = VISIBILITY_MARGIN,
    ) -> JobQueue:
        """The queue on `db`, its table created if missing (every start; upgrades a data dir)."""
        await job_queue.create_jobs_table(db)
        return cls(db, clock=clock, visibility_margin=visibility_margin)

    def register(
        self,
        kind: str,
        handler: Handler,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff: Backoff | None = None,
    ) -> None:
        """Run jobs of `kind` in this process with `handler`, each attempt within `timeout`
        seconds, at most `max_attempts` attempts (the default for jobs enqueued without their
        own), waiting `backoff(attempt)` seconds after a failed one."""
        if timeout <= 0 or max_attempts < 1:
            raise ValueError("a job kind needs a positive timeout and at least one attempt")
        self.kinds[kind] = JobKind(
            handler, timeout, max_attempts, backoff or exponential_backoff(), timeout + self.visibility_margin
        )
        self._wake()  # jobs of this kind may already be waiting

    def unregister(self, kind: str) -> None:
        self.kinds.pop(kind, None)

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
        """Add a job in `ex`'s transaction (it commits or rolls back with the caller's write);
        runs after `delay` seconds. False when a job with `key` already exists (or existed within
        DONE_RETENTION): nothing is added. Wakes the local runner once committed."""
        registered = self.kinds.get(kind)
        attempts = max_attempts or (registered.max_attempts if registered else DEFAULT_MAX_ATTEMPTS)
        job = job_queue.NewJob(
            id=new_record_id(),
            kind=kind,
            payload=dumps(tracing.with_traceparent(payload)),  # a traced request's context
            key=key,
            max_attempts=max(1, attempts),
            run_at=self.clock() + max(0.0, delay),
            created=now_str(),
        )
        inserted = await job_queue.insert_job(ex, job)
        if inserted:
            ex.on_commit(self._committed)
        return inserted

    async def counts(self) -> dict[str, int]:
        """How many jobs are queued, running, done (kept for a while) and dead."""
        return await job_queue.count_jobs(self.db)

    async def retry(self, job_id: str) -> bool:
        """Queue a dead job again with a fresh set of attempts; False unless it was dead."""
        requeued = await job_queue.requeue_dead(self.db, job_id, now=self.clock(), stamp=now_str())
        if requeued:
            self._committed()
        return requeued

    async def list_jobs(
        self, *, status: str | None = None, kind: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[JobInfo]:
        """Jobs for a dashboard, the newest (last created) first."""
        rows = await job_queue.select_jobs(self.db, status=status, kind=kind, limit=limit, offset=offset)
        return [JobInfo.from_row(row) for row in rows]

    async def count_jobs(self, *, status: str | None = None, kind: str | None = None) -> int:
        """How many jobs `list_jobs` with the same filters pages through."""
        return await job_queue.count_matching_jobs(self.db, status=status, kind=kind)

    async def get_job(self, job_id: str) -> JobInfo | None:
        row = await job_queue.select_job(self.db, job_id)
        return None if row is None else JobInfo.from_row(row)

    # ---- for the runner ---------------------------------------------------------------------

    def add_listener(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever a job may have become due in this process (a commit, a retry)."""
        self._listeners.append(wake)

    def remove_listener(self, wake: Callable[[], None]) -> None:
        if wake in self._listeners:
            self._listeners.remove(wake)

    def add_enqueue_listener(self, announce: Callable[[], None]) -> None:
        """Call `announce` after a job was committed in this process (for other processes)."""
        self._enqueue_listeners.append(announce)

    def remove_enqueue_listener(self, announce: Callable[[], None]) -> None:
        if announce in self._enqueue_listeners:
            self._enqueue_listeners.remove(announce)

    def wake(self) -> None:
        """A job may have become due elsewhere (another process's commit): wake the runner."""
        self._wake()

    def _committed(self) -> None:
        self._wake()
        for announce in list(self._enqueue_listeners):
            announce()

    def _wake(self) -> None:
        for wake in list(self._listeners):
            wake()
