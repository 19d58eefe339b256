"""JobRunner: one per process. Claims due jobs of the kinds its queue registered, runs each with
its timeout, and records the outcome.

- At most `concurrency` jobs run at once; the runner claims only as many as it has room for, so
  jobs it cannot start yet stay with other processes.
- It looks for work every `poll_interval` seconds (jittered, so workers do not poll in step) and
  at once when a local enqueue commits or a job finishes.
- A failed attempt is retried after the kind's back-off until its attempts are used up; then, or
  on `PermanentJobError`, the job is dead with the error kept. A timeout is a failure.
- Outcomes are written for the claim (id, attempt) only: a runner that lost its claim (it took
  longer than the visibility timeout and another process took the job over) changes nothing.
- Housekeeping every `MAINTENANCE_EVERY` seconds: done jobs past DONE_RETENTION are purged, and
  claims that expired on their last attempt are dead-lettered (their runner died each time).
- `stop(grace)`: no new claims; running jobs get `grace` seconds, then are cancelled and given
  back to the queue (or, should that fail, stay claimed and run again after the visibility
  timeout). Either way a job runs at least once; a job stopped mid-way may run twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets

from bastion.core.datetime_format import now_str
from bastion.jobs.queue import DONE_RETENTION, Job, JobKind, JobQueue, PermanentJobError
from bastion.obs import tracing
from bastion.obs.metrics import JOB_ATTEMPTS
from bastion.store import job_queue
from bastion.store.database import Row
from bastion.store.json_codec import loads

log = logging.getLogger("bastion.jobs")

DEFAULT_CONCURRENCY = 4
POLL_INTERVAL = 1.0
MAINTENANCE_EVERY = 60.0
_ERROR_LIMIT = 2000  # characters of an error message kept in `last_error`


class JobRunner:
    def __init__(
        self,
        queue: JobQueue,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        poll_interval: float = POLL_INTERVAL,
        name: str | None = None,
    ) -> None:
        self.queue = queue
        self.concurrency = max(1, concurrency)
        self.poll_interval = poll_interval
        self.name = name or f"{os.uname().nodename}:{os.getpid()}:{secrets.token_hex(3)}"
        self._wakeup = asyncio.Event()
        self._running: dict[asyncio.Task[None], tuple[str, int]] = {}  # task → its claim
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._maintained_at = 0.0

    def start(self) -> JobRunner:
        self.queue.add_listener(self._wakeup.set)
        self._loop_task = asyncio.get_running_loop().create_task(self._loop(), name="bastion-jobs")
        return self

    @property
    def running(self) -> int:
        return len(self._running)

    async def stop(self, grace: float = 5.0) -> None:
        """Claim nothing more; give running jobs `grace` seconds, then cancel and release them."""
        self._stopping = True
        self.queue.remove_listener(self._wakeup.set)
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        if self._running:
            await asyncio.wait(list(self._running), timeout=grace)
        for task in list(self._running):
            task.cancel()
        if self._running:
            await asyncio.wait(list(self._running), timeout=grace)

    # ---- the loop ---------------------------------------------------------------------------

    async def _loop(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            room = self.concurrency - len(self._running)
            claimed = 0
            try:
                await self._maintain()
                if room > 0:
                    claimed = self._start_all(await self._claim(room))
            except Exception:  # the database is away: try again at the next poll
                log.warning("job runner: claiming failed", exc_info=True)
            if claimed and claimed == room:
                continue  # the queue may hold more; a finishing job makes room and wakes us
            delay = self.poll_interval * random.uniform(0.5, 1.0)  # noqa: S311 - spreading polls
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wakeup.wait()

    async def _claim(self, room: int) -> list[Row]:
        visibility = {kind: spec.visibility for kind, spec in self.queue.kinds.items()}
        if not await job_queue.any_due(self.queue.db, list(visibility), now=self.queue.clock()):
            return []
        async with self.queue.db.transaction() as tx:
            return await job_queue.claim_jobs(
                tx,
                visibility=visibility,
                limit=room,
                now=self.queue.clock(),
                runner=self.name,
                stamp=now_str(),
            )

    def _start_all(self, rows: list[Row]) -> int:
        loop = asyncio.get_running_loop()
        for row in rows:
            job = Job(
                id=row["id"],
                kind=row["kind"],
                payload=loads(row["payload"]),
                attempt=int(row["attempts"]),
                max_attempts=int(row["max_attempts"]),
                created=row["created"],
            )
            task = loop.create_task(self._run(job), name=f"bastion-job-{job.kind}")
            self._running[task] = (job.id, job.attempt)
            task.add_done_callback(self._finished)
        return len(rows)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.pop(task, None)
        self._wakeup.set()  # room for another

    async def _maintain(self) -> None:
        now = self.queue.clock()
        if now - self._maintained_at < MAINTENANCE_EVERY:
            return
        self._maintained_at = now
        db = self.queue.db
        await job_queue.purge_done(db, finished_before=now - DONE_RETENTION)
        buried = await job_queue.bury_abandoned(db, now=now, stamp=now_str())
        if buried:
            log.warning(
                "jobs dead-lettered: their runner stopped during their last attempt", extra={"jobs": buried}
            )

    # ---- one job ----------------------------------------------------------------------------

    async def _run(self, job: Job) -> None:
        spec = self.queue.kinds.get(job.kind)
        if spec is None:  # unregistered since the claim: give it back for a process that has it
            await self._release(job)
            return
        try:
            async with asyncio.timeout(spec.timeout):
                with tracing.job_span(job.kind, job.id, job.attempt, job.payload):
                    await spec.handler(job)
        except PermanentJobError as exc:
            await self._record(job, spec, error=_describe(exc), permanent=True)
        except TimeoutError:
            await self._record(job, spec, error=f"timed out after {spec.timeout:g} s", permanent=False)
        except asyncio.CancelledError:
            await asyncio.shield(self._release(job))
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of a handler is a failed attempt
            await self._record(job, spec, error=_describe(exc), permanent=False)
        else:
            await self._record(job, spec, error=None, permanent=False)

    async def _record(self, job: Job, spec: JobKind, *, error: str | None, permanent: bool) -> None:
        """Write the attempt's outcome; should the database refuse, the claim expires and the
        job runs again (at-least-once)."""
        db, now, stamp = self.queue.db, self.queue.clock(), now_str()
        try:
            if error is None:
                JOB_ATTEMPTS.labels(job.kind, "done").inc()
                await job_queue.finish_job(db, job.id, job.attempt, now=now, stamp=stamp)
            elif permanent or job.attempt >= job.max_attempts:
                JOB_ATTEMPTS.labels(job.kind, "dead").inc()
                log.warning("job dead", extra={"job": job.id, "kind": job.kind, "error": error})
                await job_queue.bury_job(db, job.id, job.attempt, error=error, now=now, stamp=stamp)
            else:
                JOB_ATTEMPTS.labels(job.kind, "retry").inc()
                run_at = now + spec.backoff(job.attempt)
                await job_queue.reschedule_job(
                    db, job.id, job.attempt, run_at=run_at, error=error, stamp=stamp
                )
        except Exception:
            log.warning("job runner: could not record a job's outcome", exc_info=True, extra={"job": job.id})

    async def _release(self, job: Job) -> None:
        try:
            await job_queue.release_job(
                self.queue.db, job.id, job.attempt, now=self.queue.clock(), stamp=now_str()
            )
        except Exception:  # it stays claimed: runs again after the visibility timeout
            log.warning("job runner: could not release a job", exc_info=True, extra={"job": job.id})


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:_ERROR_LIMIT]
