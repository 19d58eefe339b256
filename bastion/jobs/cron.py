"""CronScheduler: jobs registered by id on a PocketBase cron expression (UTC, minute-granular; see
core/cron_expr.py), run through the job queue.

Every process runs a scheduler with the same entries. When a tick comes, each one enqueues the
firing with the key `cron:{id}:{tick}` (the tick as unix seconds); the key is unique in `_jobs`,
so whichever process inserts first wins and the others insert nothing: the firing runs once
across every worker and node, on whichever runner claims it, and no leader is needed. Done jobs
are kept for an hour (queue.DONE_RETENTION), far longer than a late scheduler could lag.

A tick missed while no process was up is not caught up (as PocketBase). A firing is attempted
once: an error is logged and the next tick runs again (PocketBase runs a cron and forgets it);
should its process die mid-run, the job is dead-lettered, not repeated.

For tests, and the sub-minute housekeeping of a future feature, `add_every(id, seconds, run)`
schedules by an interval in seconds instead (ticks at multiples of it since the epoch); it is
listed as `@every {seconds}s`, which PocketBase's API never shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bastion.core.cron_expr import CronSpec, next_fire, parse_cron
from bastion.jobs.queue import Job, JobQueue

log = logging.getLogger("bastion.cron")

CronRun = Callable[[], Awaitable[None]]
KIND_PREFIX = "cron:"
DEFAULT_TIMEOUT = 600.0
_MAX_SLEEP = 30.0  # look at the clock again at least this often (it may have been set)


@dataclass(frozen=True)
class CronEntry:
    id: str
    expression: str  # as listed by GET /api/crons
    run: CronRun
    spec: CronSpec | None  # None: every `interval` seconds
    interval: float
    timeout: float

    def next_tick(self, after: float) -> float | None:
        """The first tick strictly after `after` (unix seconds), None when there is none."""
        if self.spec is None:
            return (math.floor(after / self.interval) + 1) * self.interval
        moment = next_fire(self.spec, datetime.fromtimestamp(after, UTC))
        return None if moment is None else moment.timestamp()

    @property
    def kind(self) -> str:
        return KIND_PREFIX + self.id


class CronScheduler:
    def __init__(self, queue: JobQueue, *, clock: Callable[[], float] = time.time) -> None:
        self.queue = queue
        self.clock = clock
        self._entries: dict[str, CronEntry] = {}  # in the order added, as GET /api/crons lists
        self._next: dict[str, float | None] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # ---- registration -----------------------------------------------------------------------

    def add(self, cron_id: str, expression: str, run: CronRun, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Run `run` on `expression` (PocketBase's syntax; ValueError with its message when
        invalid). Adding an id again replaces it, keeping its place in the list."""
        self._put(CronEntry(cron_id, expression, run, parse_cron(expression), 0.0, timeout))

    def add_every(
        self, cron_id: str, seconds: float, run: CronRun, *, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """Run `run` every `seconds` (internal schedules and tests)."""
        if seconds <= 0:
            raise ValueError("a cron interval must be positive")
        self._put(CronEntry(cron_id, f"@every {seconds:g}s", run, None, seconds, timeout))

    def _put(self, entry: CronEntry) -> None:
        self._entries[entry.id] = entry
        self._next[entry.id] = entry.next_tick(self.clock())
        self.queue.register(entry.kind, self._handler_for(entry.id), timeout=entry.timeout, max_attempts=1)
        self._changed.set()

    def remove(self, cron_id: str) -> None:
        entry = self._entries.pop(cron_id, None)
        self._next.pop(cron_id, None)
        if entry is not None:
            self.queue.unregister(entry.kind)
        self._changed.set()

    def entries(self) -> list[CronEntry]:
        return list(self._entries.values())

    def get(self, cron_id: str) -> CronEntry | None:
        return self._entries.get(cron_id)

    def _handler_for(self, cron_id: str) -> Callable[[Job], Awaitable[None]]:
        async def handle(job: Job) -> None:
            entry = self._entries.get(cron_id)
            if entry is None:
                return  # removed since it was enqueued
            try:
                await entry.run()
            except Exception:  # fire and forget, as PocketBase: logged; the next tick runs again
                log.exception("cron job failed", extra={"cron": cron_id, "job": job.id})

        return handle

    # ---- firing -----------------------------------------------------------------------------

    async def run_now(self, cron_id: str) -> bool:
        """Queue one run of `cron_id` now (POST /api/crons/{id}); False for an unknown id."""
        entry = self._entries.get(cron_id)
        if entry is None:
            return False
        key = f"{KIND_PREFIX}{cron_id}:manual:{uuid.uuid4().hex}"
        await self.queue.enqueue(self.queue.db, entry.kind, {"manual": True}, key=key, max_attempts=1)
        return True

    async def fire_due(self) -> int:
        """Enqueue every entry whose tick has come (once per tick across processes: the key);
        returns how many firings this process inserted. Ticks missed meanwhile are skipped."""
        now = self.clock()
        inserted = 0
        for cron_id, tick in list(self._next.items()):
            entry = self._entries.get(cron_id)
            if entry is None or tick is None or tick > now:
                continue
            self._next[cron_id] = entry.next_tick(now)
            key = f"{KIND_PREFIX}{cron_id}:{tick:.0f}"
            try:
                if await self.queue.enqueue(
                    self.queue.db, entry.kind, {"tick": tick}, key=key, max_attempts=1
                ):
                    inserted += 1
            except Exception:  # the database is away: this tick is missed here; others may insert it
                log.warning("cron: could not enqueue a tick", exc_info=True, extra={"cron": cron_id})
        return inserted

    def _seconds_to_next(self) -> float:
        ticks = [tick for tick in self._next.values() if tick is not None]
        if not ticks:
            return _MAX_SLEEP
        return min(_MAX_SLEEP, max(0.0, min(ticks) - self.clock()))

    def start(self) -> CronScheduler:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="bastion-cron")
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._seconds_to_next()):
                    await self._changed.wait()
            await self.fire_due()
