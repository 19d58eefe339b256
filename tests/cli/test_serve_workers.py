"""How many worker processes `bastion serve` starts: one per core it may use unless told
(issue #13, "workers by default"), on the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.serve_process import serving


def _workers(pid: int) -> list[int]:
    """The server's worker processes: its children but the realtime broker."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    workers = []
    for child in children:
        try:
            if b"bastion.bus.broker" not in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(child)
        except FileNotFoundError:
            continue  # gone (reaped) since it was listed
    return workers


def _stop(proc: subprocess.Popen[bytes]) -> str:
    proc.terminate()
    _, err = proc.communicate(timeout=20)
    return err.decode()


def test_one_worker_per_usable_core_by_default(tmp_path: Path):
    cores = len(os.sched_getaffinity(0))
    with serving(tmp_path / "data") as (proc, base):
        assert httpx.get(f"{base}/api/health").status_code == 200
        workers = _workers(proc.pid)
        err = _stop(proc)
    assert len(workers) == cores
    assert f"({cores} worker" in err  # the banner says how many


def test_the_cores_are_those_the_process_may_use(tmp_path: Path):
    """A server confined to one core (taskset, a container's CPU set) starts one worker."""
    taskset = shutil.which("taskset")
    if taskset is None:
        pytest.skip("taskset is not installed")
    first_core = str(min(os.sched_getaffinity(0)))
    with serving(tmp_path / "data", bastion_prefix=(taskset, "-c", first_core)) as (proc, base):
        assert httpx.get(f"{base}/api/health").status_code == 200
        workers = _workers(proc.pid)
    assert len(workers) == 1


def test_workers_flag_and_environment_override_the_default(tmp_path: Path):
    with serving(tmp_path / "a", args=("--workers", "3")) as (proc, _):
        assert len(_workers(proc.pid)) == 3
    with serving(tmp_path / "b", env={"BASTION_WORKERS": "1"}) as (proc, _):
        assert len(_workers(proc.pid)) == 1


def test_a_worker_that_dies_is_replaced_and_the_server_keeps_answering(tmp_path: Path):
    """A worker killed from outside (the OOM killer, say) costs its in-flight requests only: the
    server goes on answering on the other, and a new worker takes the dead one's place."""
    with serving(tmp_path / "data", args=("--workers", "2")) as (proc, base):
        first = _workers(proc.pid)
        assert len(first) == 2
        os.kill(first[0], 9)
        deadline = time.monotonic() + 30  # bounded: the replacement starts after a few seconds
        while time.monotonic() < deadline:
            workers = _workers(proc.pid)
            if len(workers) == 2 and first[0] not in workers:
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the server stopped when one worker died"
        assert len(workers) == 2 and first[0] not in workers and first[1] in workers
        statuses = {httpx.get(f"{base}/api/health").status_code for _ in range(10)}
        assert statuses == {200}
        _stop(proc)
