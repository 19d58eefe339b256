"""`_jobs`: the durable job queue (the outbox), the same SQL on SQLite and PostgreSQL.

A job is a row: inserted in the caller's transaction (so it commits or rolls back with the write
that caused it), claimed by one runner at a time, then marked done, rescheduled or dead.

- status: `queued` (waiting for `run_at`), `running` (claimed until `locked_until`), `done`
  (kept a while so its `key` still de-duplicates, then purged), `dead` (kept, with `last_error`).
- `key`: unique when set; enqueueing a key already present inserts nothing (a cron tick, a
  webhook delivery).
- `attempts` counts claims; a claim is identified by (id, attempts), so a runner whose claim
  expired and was taken over cannot overwrite the newer claim's outcome.
- Claiming: one statement, `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING`. On PostgreSQL the
  inner SELECT takes `FOR UPDATE SKIP LOCKED`, so concurrent claimers pass over each other's rows;
  on SQLite it runs in the caller's write transaction (BEGIN IMMEDIATE: one claimer at a time).
  A `running` row whose `locked_until` passed (its runner died) is claimable again.

Times are unix seconds (floats); `created`/`updated` are the PocketBase date strings the caller
gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bastion.store.database import Executor, Row

TABLE = '"_jobs"'
STATUSES = ("queued", "running", "done", "dead")
# Not a status of its own: queued jobs waiting to retry after a failed attempt (a listing filter
# and a count beside the statuses').
FAILED = "failed"
_COLUMNS = (
    '"id", "kind", "payload", "key", "status", "attempts", "max_attempts", "run_at", '
    '"locked_until", "locked_by", "last_error", "created", "updated"'
)


async def create_jobs_table(db: Executor) -> None:
    """Create `_jobs` and its index when they are not there yet (every start; upgrades old data)."""
    real = db.sql.real_type
    await db.execute(
        f'CREATE TABLE IF NOT EXISTS {TABLE} ("id" TEXT PRIMARY KEY NOT NULL, "kind" TEXT NOT NULL, '
        '"payload" TEXT NOT NULL, "key" TEXT UNIQUE, "status" TEXT NOT NULL, '
        '"attempts" INTEGER DEFAULT 0 NOT NULL, "max_attempts" INTEGER NOT NULL, '
        f'"run_at" {real} NOT NULL, "locked_until" {real}, "locked_by" TEXT, "last_error" TEXT, '
        '"created" TEXT NOT NULL, "updated" TEXT NOT NULL)'
    )
    await db.execute(f'CREATE INDEX IF NOT EXISTS "_jobs_status_run_at_idx" ON {TABLE} ("status", "run_at")')


@dataclass(frozen=True)
class NewJob:
    id: str
    kind: str
    payload: str  # JSON text
    key: str | None
    max_attempts: int
    run_at: float
    created: str


async def insert_job(ex: Executor, job: NewJob) -> bool:
    """Insert `job` in `ex`'s transaction; False (nothing inserted) when its key is taken."""
    changed = await ex.execute(
        f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, NULL, NULL, NULL, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (job.id, job.kind, job.payload, job.key, job.max_attempts, job.run_at, job.created, job.created),
    )
    return changed > 0


async def claim_jobs(
    tx: Executor,
    *,
    visibility: Mapping[str, float],
    limit: int,
    now: float,
    runner: str,
    stamp: str,
) -> list[Row]:
    """Claim up to `limit` due jobs of the kinds in `visibility` (kind → seconds the claim lasts)
    for `runner`; returns the claimed rows (attempts already counting this claim). Run it in a
    transaction (SQLite: the write lock is what makes one claimer at a time)."""
    if not visibility or limit <= 0:
        return []
    kinds = list(visibility)
    real = tx.sql.typed_param(tx.sql.real_type)
    text = tx.sql.typed_param("TEXT")
    cases = " ".join(f"WHEN {text} THEN {real}" for _ in kinds)
    case_params: list[Any] = [v for kind in kinds for v in (kind, visibility[kind])]
    skip_locked = " FOR UPDATE SKIP LOCKED" if tx.dialect == "postgres" else ""
    marks = ", ".join("?" for _ in kinds)
    sql = (
        f'UPDATE {TABLE} SET "status" = \'running\', "attempts" = "attempts" + 1, '
        f'"locked_until" = {real} + (CASE "kind" {cases} ELSE {real} END), '
        '"locked_by" = ?, "updated" = ? '
        f'WHERE "id" IN (SELECT "id" FROM {TABLE} WHERE "kind" IN ({marks}) AND ('
        '("status" = \'queued\' AND "run_at" <= ?) OR '
        '("status" = \'running\' AND "locked_until" < ? AND "attempts" < "max_attempts")) '
        f'ORDER BY "run_at" LIMIT {int(limit)}{skip_locked}) '
        f"RETURNING {_COLUMNS}"
    )
    params = [now, *case_params, max(visibility.values()), runner, stamp, *kinds, now, now]
    return await tx.fetch_all(sql, params)


async def finish_job(ex: Executor, job_id: str, attempt: int, *, now: float, stamp: str) -> bool:
    """Mark the claim (job_id, attempt) done; False when that claim is no longer current."""
    return await _settle(ex, job_id, attempt, "done", run_at=now, error=None, stamp=stamp)


async def reschedule_job(
    ex: Executor, job_id: str, attempt: int, *, run_at: float, error: str | None, stamp: str
) -> bool:
    """Put the claim (job_id, attempt) back in the queue to run at `run_at`, keeping `error`."""
    return await _settle(ex, job_id, attempt, "queued", run_at=run_at, error=error, stamp=stamp)


async def bury_job(ex: Executor, job_id: str, attempt: int, *, error: str, now: float, stamp: str) -> bool:
    """Dead-letter the claim (job_id, attempt), keeping `error`."""
    return await _settle(ex, job_id, attempt, "dead", run_at=now, error=error, stamp=stamp)


async def _settle(
    ex: Executor, job_id: str, attempt: int, status: str, *, run_at: float, error: str | None, stamp: str
) -> bool:
    keep_error = '"last_error"' if error is None else "?"
    params: list[Any] = [status, run_at]
    if error is not None:
        params.append(error)
    params += [stamp, job_id, attempt]
    changed = await ex.execute(
        f'UPDATE {TABLE} SET "status" = ?, "run_at" = ?, "locked_until" = NULL, "locked_by" = NULL, '
        f'"last_error" = {keep_error}, "updated" = ? '
        'WHERE "id" = ? AND "attempts" = ? AND "status" = \'running\'',
        params,
    )
    return changed > 0


async def release_job(ex: Executor, job_id: str, attempt: int, *, now: float, stamp: str) -> bool:
    """Give a claim back unfinished (a runner stopping): queued again at once, the attempt not
    counted."""
    changed = await ex.execute(
        f'UPDATE {TABLE} SET "status" = \'queued\', "attempts" = "attempts" - 1, "run_at" = ?, '
        '"locked_until" = NULL, "locked_by" = NULL, "updated" = ? '
        'WHERE "id" = ? AND "attempts" = ? AND "status" = \'running\'',
        (now, stamp, job_id, attempt),
    )
    return changed > 0


async def bury_abandoned(ex: Executor, *, now: float, stamp: str) -> int:
    """Dead-letter claims that expired with no attempt left (their runner died on the last one,
    e.g. a job that kills its process); returns how many."""
    return await ex.execute(
        f'UPDATE {TABLE} SET "status" = \'dead\', "locked_until" = NULL, "locked_by" = NULL, '
        "\"last_error\" = 'the runner stopped before the job finished (visibility timeout) on its last attempt', "
        '"updated" = ? WHERE "status" = \'running\' AND "locked_until" < ? AND "attempts" >= "max_attempts"',
        (stamp, now),
    )


async def purge_done(ex: Executor, *, finished_before: float) -> int:
    """Delete done jobs that finished before `finished_before` (their keys stop de-duplicating)."""
    return await ex.execute(
        f'DELETE FROM {TABLE} WHERE "status" = \'done\' AND "run_at" < ?',
        (finished_before,),
    )


async def count_jobs(ex: Executor) -> dict[str, int]:
    rows = await ex.fetch_all(f'SELECT "status", COUNT(*) AS n FROM {TABLE} GROUP BY "status"')
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[str(row["status"])] = int(row["n"])
    return counts


async def requeue_dead(ex: Executor, job_id: str, *, now: float, stamp: str) -> bool:
    """A dead job queued again with a fresh set of attempts; False unless it was dead."""
    changed = await ex.execute(
        f'UPDATE {TABLE} SET "status" = \'queued\', "attempts" = 0, "run_at" = ?, "updated" = ? '
        'WHERE "id" = ? AND "status" = \'dead\'',
        (now, stamp, job_id),
    )
    return changed > 0


def _job_filter(status: str | None, kind: str | None) -> tuple[str, list[Any]]:
    """The WHERE clause (with a trailing space, or empty) and its parameters for a job listing."""
    where: list[str] = []
    params: list[Any] = []
    if status == FAILED:
        where.append('"status" = \'queued\' AND "attempts" > 0')
    elif status is not None:
        where.append('"status" = ?')
        params.append(status)
    if kind is not None:
        where.append('"kind" = ?')
        params.append(kind)
    return (f"WHERE {' AND '.join(where)} " if where else ""), params


async def select_jobs(
    ex: Executor, *, status: str | None = None, kind: str | None = None, limit: int = 50, offset: int = 0
) -> list[Row]:
    """Jobs, the newest (last created) first, optionally of one status and/or kind."""
    condition, params = _job_filter(status, kind)
    return await ex.fetch_all(
        f'SELECT {_COLUMNS} FROM {TABLE} {condition}ORDER BY "created" DESC, "id" DESC '
        f"LIMIT {int(limit)} OFFSET {int(offset)}",
        params,
    )


async def count_matching_jobs(ex: Executor, *, status: str | None = None, kind: str | None = None) -> int:
    """How many jobs `select_jobs` with the same filters would page through."""
    condition, params = _job_filter(status, kind)
    row = await ex.fetch_one(f"SELECT COUNT(*) AS n FROM {TABLE} {condition}", params)
    return 0 if row is None else int(row["n"])


async def select_job(ex: Executor, job_id: str) -> Row | None:
    return await ex.fetch_one(f'SELECT {_COLUMNS} FROM {TABLE} WHERE "id" = ?', (job_id,))


async def any_due(ex: Executor, kinds: list[str], *, now: float) -> bool:
    """Whether a job of `kinds` may be claimable: a read, so an idle runner polls without taking
    SQLite's write lock or opening a PostgreSQL transaction."""
    if not kinds:
        return False
    marks = ", ".join("?" for _ in kinds)
    row = await ex.fetch_one(
        f'SELECT 1 AS due FROM {TABLE} WHERE "kind" IN ({marks}) AND ('
        '("status" = \'queued\' AND "run_at" <= ?) OR '
        '("status" = \'running\' AND "locked_until" < ?)) LIMIT 1',
        [*kinds, now, now],
    )
    return row is not None
