"""`kill -9` while clients write: every write the server acknowledged is there after a restart.

The server is killed (SIGKILL to its whole process group: the main process and both workers) while
four clients are still creating records, then started again on the same data. A record whose
create was answered 200 must be listed; a create cut off mid-way may or may not have happened (its
client never heard back), and nothing half-written may be visible. SQLite runs in WAL mode, which
keeps every committed transaction through a process crash; PostgreSQL commits before answering.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, fresh_pg_schema
from tests.support.serve_process import BASTION, free_port, wait_until_healthy

WRITERS = 4
WRITE_FOR = 1.5  # seconds of writes before the kill; the writers are still running when it lands
START_TIMEOUT = 40.0


def _start(data: Path, db: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [BASTION, "serve", "--http", f"127.0.0.1:{port}", "--dir", str(data), "--workers", "2", *db],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "BASTION_RATELIMIT_AUTH_BASELINE": "false"},
        start_new_session=True,  # its own process group: the kill reaches the workers too
    )
    base = f"http://127.0.0.1:{port}"
    if wait_until_healthy(base, proc, START_TIMEOUT):
        return proc, base
    exited = proc.poll()
    if exited is None:
        os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError(f"bastion serve did not become healthy (exit status {exited})")


def _kill_all(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _write_until_refused(base: str, writer: int, acknowledged: list[str], stop: threading.Event) -> None:
    with httpx.Client(base_url=base, timeout=5) as client:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                r = client.post("/api/collections/notes/records", json={"text": f"w{writer}-{n}"})
            except httpx.TransportError:
                return  # the server is gone
            if r.status_code == 200:
                acknowledged.append(r.json()["id"])


def _listed_ids(base: str, token: str) -> set[str]:
    ids: set[str] = set()
    page = 1
    with httpx.Client(base_url=base, timeout=10, headers={"Authorization": token}) as client:
        while True:
            r = client.get("/api/collections/notes/records", params={"page": page, "perPage": 500})
            assert r.status_code == 200, r.text
            body = r.json()
            ids.update(item["id"] for item in body["items"])
            if page >= body["totalPages"]:
                return ids
            page += 1


def _sign_in(base: str) -> str:
    r = httpx.post(
        f"{base}/api/collections/_superusers/auth-with-password",
        json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def _crash_and_restart(data: Path, db: list[str]) -> None:
    subprocess.run(
        [BASTION, "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", str(data), *db],
        check=True,
        capture_output=True,
    )
    proc, base = _start(data, db)
    try:
        token = _sign_in(base)
        r = httpx.post(
            f"{base}/api/collections",
            headers={"Authorization": token},
            json={
                "name": "notes",
                "type": "base",
                "createRule": "",
                "fields": [{"name": "text", "type": "text", "required": True}],
            },
            timeout=10,
        )
        assert r.status_code == 200, r.text
        acknowledged: list[str] = []
        stop = threading.Event()
        writers = [
            threading.Thread(target=_write_until_refused, args=(base, i, acknowledged, stop))
            for i in range(WRITERS)
        ]
        for t in writers:
            t.start()
        time.sleep(WRITE_FOR)
        _kill_all(proc)  # mid-write: the writers have requests in flight
        stop.set()
        for t in writers:
            t.join(timeout=30)
    finally:
        if proc.poll() is None:
            _kill_all(proc)
    assert acknowledged, "no write was acknowledged before the kill"

    proc, base = _start(data, db)
    try:
        listed = _listed_ids(base, _sign_in(base))
    finally:
        _kill_all(proc)
    lost = set(acknowledged) - listed
    assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged writes are gone after kill -9"


def test_acknowledged_writes_survive_kill_9_on_sqlite(tmp_path: Path) -> None:
    _crash_and_restart(tmp_path / "data", [])


@pytest.mark.asyncio
async def test_acknowledged_writes_survive_kill_9_on_postgres(tmp_path: Path) -> None:
    async with fresh_pg_schema() as url:
        _crash_and_restart(tmp_path / "data", ["--db", url])
