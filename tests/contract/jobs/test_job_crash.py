"""A runner process killed with SIGKILL mid-job: the job it held runs again elsewhere once its
claim expires (at-least-once), with the next attempt number."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from bastion.jobs import Job, JobQueue
from tests.contract.jobs.conftest import running, shared_databases, wait_until

REPO = Path(__file__).resolve().parents[3]

# The doomed worker: claims the job, says so through a file, then hangs until killed.
_WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from bastion.jobs import JobQueue, JobRunner
    from bastion.store.database_open import open_database

    async def main(url, data_dir, marker):
        db = await open_database(url or None, Path(data_dir), pool_size=2)
        queue = await JobQueue.open(db, visibility_margin=0.5)

        async def hang(job):
            Path(marker).write_text(str(job.attempt))
            await asyncio.sleep(3600)

        queue.register("fragile", hang, timeout=1.0)
        JobRunner(queue, poll_interval=0.05).start()
        await asyncio.sleep(3600)

    asyncio.run(main(*sys.argv[1:]))
    """
)


async def test_a_job_held_by_a_killed_process_runs_again(backend: str, tmp_path: Path) -> None:
    marker = tmp_path / "claimed"
    async with shared_databases(backend, tmp_path, 1) as (db,):
        queue = await JobQueue.open(db, visibility_margin=0.5)
        await queue.enqueue(db, "fragile", {"n": 1})
        url = "" if db.dialect == "sqlite" else db.url
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        worker = subprocess.Popen(
            [sys.executable, "-c", _WORKER, url, str(tmp_path / "data"), str(marker)], env=env, cwd=REPO
        )
        try:

            async def claimed() -> bool:
                return marker.exists()

            await wait_until(claimed, "the worker process claimed the job")
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            await asyncio.to_thread(worker.wait, 10)
        assert marker.read_text() == "1"
        assert (await queue.counts())["running"] == 1  # still claimed by the dead process

        attempts: list[int] = []

        async def finish(job: Job) -> None:
            attempts.append(job.attempt)

        queue.register("fragile", finish, timeout=1.0)
        async with running(queue):
            await wait_until(lambda: _done(queue), "the job ran again after its claim expired")
    assert attempts == [2]


async def _done(queue: JobQueue) -> bool:
    return (await queue.counts())["done"] == 1
