"""The outbox and its runner: a job exists exactly when the write that enqueued it committed,
runs once when it succeeds, is retried with back-off, dead-lettered with its last error, and run
again when the runner holding it died."""

from __future__ import annotations

import asyncio

import pytest

from bastion.jobs import Job, JobQueue, PermanentJobError
from bastion.jobs.backoff import fixed_backoff
from bastion.store.database import Database
from tests.contract.jobs.conftest import running, wait_until


class Boom(Exception):
    pass


async def test_a_job_enqueued_in_a_rolled_back_transaction_never_exists(
    queue: JobQueue, db: Database
) -> None:
    ran: list[dict[str, object]] = []

    async def handler(job: Job) -> None:
        ran.append(job.payload)

    queue.register("note", handler)
    with pytest.raises(Boom):
        async with db.transaction() as tx:
            assert await queue.enqueue(tx, "note", {"n": 1})
            raise Boom
    async with db.transaction() as tx:
        assert await queue.enqueue(tx, "note", {"n": 2})
    async with running(queue):
        await wait_until(lambda: _count(queue, "done", 1), "the committed job is done")
    assert ran == [{"n": 2}]
    assert (await queue.counts())["queued"] == 0


async def _count(queue: JobQueue, status: str, n: int) -> bool:
    return (await queue.counts())[status] >= n


async def test_a_duplicate_key_is_not_enqueued_again(queue: JobQueue, db: Database) -> None:
    assert await queue.enqueue(db, "note", {}, key="k1")
    assert not await queue.enqueue(db, "note", {"other": True}, key="k1")
    async with db.transaction() as tx:  # inside a transaction too, without spoiling it
        assert not await queue.enqueue(tx, "note", {}, key="k1")
        assert await queue.enqueue(tx, "note", {}, key="k2")
    assert (await queue.counts())["queued"] == 2


async def test_a_failing_job_is_retried_then_dead_with_its_last_error(queue: JobQueue) -> None:
    attempts: list[int] = []

    async def handler(job: Job) -> None:
        attempts.append(job.attempt)
        raise Boom(f"attempt {job.attempt} failed")

    queue.register("flaky", handler, max_attempts=3, backoff=fixed_backoff(0.05))
    await queue.enqueue(queue.db, "flaky", {})
    async with running(queue):
        await wait_until(lambda: _count(queue, "dead", 1), "the job is dead")
    assert attempts == [1, 2, 3]
    (dead,) = await queue.list_jobs(status="dead")
    assert (dead.attempts, dead.last_error) == (3, "attempt 3 failed")


async def test_a_job_that_succeeds_on_a_retry_is_done(queue: JobQueue) -> None:
    async def handler(job: Job) -> None:
        if job.attempt < 2:
            raise Boom("not yet")

    queue.register("second-time", handler, backoff=fixed_backoff(0.05))
    await queue.enqueue(queue.db, "second-time", {})
    async with running(queue):
        await wait_until(lambda: _count(queue, "done", 1), "the job is done")
    (done,) = await queue.list_jobs(status="done")
    assert done.attempts == 2


async def test_a_permanent_error_dead_letters_at_once(queue: JobQueue) -> None:
    attempts: list[int] = []

    async def handler(job: Job) -> None:
        attempts.append(job.attempt)
        raise PermanentJobError("the receiver's URL is not http(s)")

    queue.register("hopeless", handler, max_attempts=5, backoff=fixed_backoff(0.0))
    await queue.enqueue(queue.db, "hopeless", {})
    async with running(queue):
        await wait_until(lambda: _count(queue, "dead", 1), "the job is dead")
    assert attempts == [1]
    (dead,) = await queue.list_jobs(status="dead")
    assert dead.last_error == "the receiver's URL is not http(s)"


async def test_a_job_past_its_timeout_is_retried(queue: JobQueue) -> None:
    async def handler(job: Job) -> None:
        if job.attempt == 1:
            await asyncio.sleep(60)  # cut short by the kind's timeout

    queue.register("slow", handler, timeout=0.2, backoff=fixed_backoff(0.05))
    await queue.enqueue(queue.db, "slow", {})
    async with running(queue):
        await wait_until(lambda: _count(queue, "done", 1), "the second attempt is done")
    (done,) = await queue.list_jobs(status="done")
    assert done.attempts == 2
    assert done.last_error == "timed out after 0.2 s"


async def test_a_dead_job_can_be_retried(queue: JobQueue) -> None:
    fail = True

    async def handler(job: Job) -> None:
        if fail:
            raise PermanentJobError("down")

    queue.register("later", handler)
    await queue.enqueue(queue.db, "later", {"x": 1})
    async with running(queue):
        await wait_until(lambda: _count(queue, "dead", 1), "the job is dead")
        (dead,) = await queue.list_jobs(status="dead")
        fail = False
        assert await queue.retry(dead.id)
        assert not await queue.retry(dead.id)  # no longer dead
        await wait_until(lambda: _count(queue, "done", 1), "the retried job is done")
    assert await queue.counts() == {"queued": 0, "running": 0, "done": 1, "dead": 0}


async def test_a_job_claimed_by_a_runner_that_is_gone_runs_again(queue: JobQueue, db: Database) -> None:
    ran: list[int] = []

    async def handler(job: Job) -> None:
        ran.append(job.attempt)

    queue.register("orphan", handler)
    await queue.enqueue(db, "orphan", {})
    # A runner claimed it and died: running, its claim expired a while ago.
    assert await db.execute(
        'UPDATE "_jobs" SET "status" = \'running\', "attempts" = 1, "locked_by" = \'gone\', '
        '"locked_until" = ?',
        (queue.clock() - 5,),
    )
    async with running(queue):
        await wait_until(lambda: _count(queue, "done", 1), "the orphaned job is done")
    assert ran == [2]


async def test_a_job_claimed_by_a_live_runner_is_left_alone(queue: JobQueue, db: Database) -> None:
    async def handler(job: Job) -> None:
        raise AssertionError("claimed by another runner until its lock expires")

    queue.register("held", handler)
    await queue.enqueue(db, "held", {})
    await db.execute(
        'UPDATE "_jobs" SET "status" = \'running\', "attempts" = 1, "locked_until" = ?',
        (queue.clock() + 600,),
    )
    async with running(queue) as runner:
        await asyncio.sleep(0.3)  # several polls: nothing may be claimed (not a timing assertion)
        assert runner.running == 0
    assert (await queue.counts())["running"] == 1


async def test_unregistered_kinds_are_left_for_a_process_that_has_them(queue: JobQueue) -> None:
    await queue.enqueue(queue.db, "elsewhere", {})
    queue.register("here", _noop)
    async with running(queue):
        await queue.enqueue(queue.db, "here", {})
        await wait_until(lambda: _count(queue, "done", 1), "the local kind is done")
    assert (await queue.counts())["queued"] == 1


async def _noop(job: Job) -> None:
    return None


async def test_stopping_gives_an_unfinished_job_back(queue: JobQueue) -> None:
    started = asyncio.Event()
    attempts: list[int] = []

    async def handler(job: Job) -> None:
        attempts.append(job.attempt)
        started.set()
        if len(attempts) == 1:
            await asyncio.sleep(60)  # the first run is interrupted by the stop

    queue.register("long", handler)
    await queue.enqueue(queue.db, "long", {})
    async with running(queue) as runner:
        async with asyncio.timeout(10):
            await started.wait()
        await runner.stop(grace=0.1)
    assert (await queue.counts())["queued"] == 1  # released, not lost
    async with running(queue):
        await wait_until(lambda: _count(queue, "done", 1), "the released job is done")
    (done,) = await queue.list_jobs(status="done")
    assert done.attempts == 1  # the interrupted attempt was not counted
    assert attempts == [1, 1]


async def test_a_delayed_job_waits(queue: JobQueue) -> None:
    queue.register("delayed", _noop)
    await queue.enqueue(queue.db, "delayed", {}, delay=3600)
    async with running(queue) as runner:
        await asyncio.sleep(0.2)
        assert runner.running == 0
    assert (await queue.counts())["queued"] == 1


async def test_a_claim_that_expired_on_its_last_attempt_is_dead_lettered(
    queue: JobQueue, db: Database
) -> None:
    queue.register("crashy", _noop)
    await queue.enqueue(db, "crashy", {}, max_attempts=2)
    await db.execute(
        'UPDATE "_jobs" SET "status" = \'running\', "attempts" = 2, "locked_until" = ?',
        (queue.clock() - 1,),
    )
    async with running(queue):  # its housekeeping runs at start
        await wait_until(lambda: _count(queue, "dead", 1), "the abandoned job is dead")
    (dead,) = await queue.list_jobs(status="dead")
    assert dead.last_error is not None and "last attempt" in dead.last_error


async def test_done_jobs_are_purged_after_an_hour_and_free_their_key(queue: JobQueue, db: Database) -> None:
    queue.register("once", _noop)
    await queue.enqueue(db, "once", {}, key="tick-1")
    await queue.enqueue(db, "once", {}, key="tick-2")
    async with running(queue):
        await wait_until(lambda: _count(queue, "done", 2), "both done")
    assert not await queue.enqueue(db, "once", {}, key="tick-1")  # still de-duplicating
    await db.execute('UPDATE "_jobs" SET "run_at" = ? WHERE "key" = ?', (queue.clock() - 3700, "tick-1"))
    async with running(queue):
        await wait_until(lambda: _count_is(queue, "done", 1), "the old done job is purged")
    assert await queue.enqueue(db, "once", {}, key="tick-1")


async def _count_is(queue: JobQueue, status: str, n: int) -> bool:
    return (await queue.counts())[status] == n


async def test_opening_the_queue_again_keeps_its_jobs(db: Database) -> None:
    first = await JobQueue.open(db)
    await first.enqueue(db, "kept", {"a": 1})
    again = await JobQueue.open(db)  # every start creates the table if missing
    (job,) = await again.list_jobs()
    assert (job.kind, job.payload, job.status, job.attempts) == ("kept", {"a": 1}, "queued", 0)
    assert await again.get_job(job.id) == job
    assert await again.get_job("missing") is None
