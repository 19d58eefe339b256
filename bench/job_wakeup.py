"""Latency from an enqueue's commit to its handler starting in another OS process, with and
without the cross-process wake-up (bastion/jobs/wakeup.py).

    .venv/bin/python bench/job_wakeup.py [--samples 100] [--off-samples 30]

The enqueuing App runs no jobs (`jobs_concurrency = 0`); a child process runs an App whose runner
has the default poll (0.5-1 s). SQLite: both on one data directory, joined by an embedded broker
started here (as `serve` does for its workers); PostgreSQL (BASTION_TEST_PG, a scratch schema):
LISTEN/NOTIFY. "off" closes both Apps' wake-ups, leaving the poll. One job at a time, spaced
20-50 ms apart at random. Not a test: the numbers depend on the machine and on its other load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bastion.app import App  # noqa: E402
from bastion.bus.broker import Broker  # noqa: E402
from bastion.config import Config  # noqa: E402
from bastion.jobs import Job  # noqa: E402

PG = os.environ.get("BASTION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
KIND = "bench.wakeup"


async def without_wakeup(app: App) -> None:
    if app._job_wakeup is not None:
        await app._job_wakeup.close()
        app._job_wakeup = None


async def child(data_dir: str, url: str, pubsub: str, wakeup: bool) -> None:
    """The worker: runs KIND, printing `n started_at` (wall clock) for each job."""
    app = await App(Config(data_dir=Path(data_dir), database_url=url, realtime_pubsub=pubsub)).start()
    if not wakeup:
        await without_wakeup(app)

    async def handler(job: Job) -> None:
        print(job.payload["n"], time.time(), flush=True)

    app.jobs.register(KIND, handler)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes it
    await app.stop()


async def measure(data_dir: Path, url: str, pubsub: str, wakeup: bool, samples: int) -> list[float]:
    app = await App(
        Config(data_dir=data_dir, database_url=url, realtime_pubsub=pubsub, jobs_concurrency=0)
    ).start()
    if not wakeup:
        await without_wakeup(app)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--child",
        str(data_dir),
        url,
        pubsub,
        "on" if wakeup else "off",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        assert (await proc.stdout.readline()).strip() == b"ready"
        await asyncio.sleep(1.0)
        latencies = []
        for n in range(samples):
            async with app.db.transaction() as tx:
                await app.jobs.enqueue(tx, KIND, {"n": n})
            committed = time.time()
            line = (await asyncio.wait_for(proc.stdout.readline(), 10)).split()
            assert int(line[0]) == n
            latencies.append((float(line[1]) - committed) * 1000)
            await asyncio.sleep(random.uniform(0.02, 0.05))  # noqa: S311 - out of step with the polls
        return latencies
    finally:
        proc.stdin.close()
        await proc.wait()
        await app.stop()


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[max(0, round(len(ordered) * 0.99) - 1)]
    return f"p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms (n={len(ordered)})"


async def one_backend(name: str, url: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pubsub, broker = "memory", None
        if not url:
            broker = await Broker().serve(str(Path(tmp) / "broker.sock"))
            pubsub = "embedded:" + str(Path(tmp) / "broker.sock")
        try:
            for wakeup, samples in ((False, args.off_samples), (True, args.samples)):
                data_dir = Path(tmp) / f"data_{wakeup}"
                latencies = await measure(data_dir, url, pubsub, wakeup, samples)
                print(f"{name}: wake-up {'on ' if wakeup else 'off'}: {summary(latencies)}", flush=True)
        finally:
            if broker is not None:
                await broker.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--off-samples", type=int, default=30)
    parser.add_argument("--child", nargs=4)
    args = parser.parse_args()
    if args.child:
        data_dir, url, pubsub, wakeup = args.child
        await child(data_dir, url, pubsub, wakeup == "on")
        return
    await one_backend("sqlite", "", args)
    schema = "bench_wake_" + secrets.token_hex(4)
    conn = await asyncpg.connect(PG)
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        await one_backend("postgres", f"{PG}?search_path={schema}", args)
    finally:
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
