"""A real `bastion serve` with two workers: a backup made on one worker is listed and downloaded
on whichever worker answers next (the folder is the state, not a process's memory), and a
restore restarts the server so that every worker serves the restored data."""

from __future__ import annotations

import io
import re
import sqlite3
import subprocess
import time
import zipfile
from pathlib import Path

import httpx

from tests.support.serve_process import BASTION, serving


def worker_pids(server_pid: int) -> set[int]:
    """The server's child processes (granian's workers)."""
    found: set[int] = set()
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


def test_backups_and_a_restore_over_http_with_two_workers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    email, password = "backups@example.com", "backups-pass-1234"
    subprocess.run(
        [BASTION, "superuser", "upsert", email, password, "--dir", str(data)], check=True, capture_output=True
    )
    with (
        serving(data, args=("--workers", "2")) as (proc, base),
        httpx.Client(base_url=base, timeout=60) as client,
    ):

        def sign_in() -> dict[str, str]:
            r = client.post(
                "/api/collections/_superusers/auth-with-password",
                json={"identity": email, "password": password},
            )
            assert r.status_code == 200, r.text
            return {"Authorization": r.json()["token"]}

        auth = sign_in()
        assert client.post("/api/backups", headers=auth, json={"name": "served.zip"}).status_code == 204
        for _ in range(4):  # several answers, likely from both workers
            keys = [b["key"] for b in client.get("/api/backups", headers=auth).json()]
            assert keys == ["served.zip"]
        file_token = client.post("/api/files/token", headers=auth).json()["token"]
        r = client.get(f"/api/backups/served.zip?token={file_token}")
        assert r.status_code == 200
        with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
            (tmp_path / "out").mkdir()
            zf.extract("data.db", tmp_path / "out")
        conn = sqlite3.connect(tmp_path / "out" / "data.db")
        assert conn.execute("SELECT email FROM _superusers").fetchall() == [(email,)]
        conn.close()

        # after the backup: a collection with a record, then the restore takes them away again
        r = client.post("/api/collections", headers=auth, json={"name": "later", "listRule": ""})
        assert r.status_code == 200, r.text
        assert client.post("/api/collections/later/records", headers=auth, json={}).status_code == 200
        before = worker_pids(proc.pid)
        assert len(before) >= 2
        r = client.post("/api/backups/served.zip/restore", headers=auth)
        assert r.status_code == 204, r.text
        proc.wait_for_line(re.compile("restarting the server on the restored data"), 30)
        deadline = time.monotonic() + 60
        while True:  # the same process (re-executed) serves again, with new workers
            try:
                if client.get("/api/health").status_code == 200 and not worker_pids(proc.pid) & before:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, proc.stderr_so_far()
            time.sleep(0.1)
        assert proc.poll() is None
        assert len(worker_pids(proc.pid) - before) >= 2  # every worker started after the restore
        auth = sign_in()
        for _ in range(8):  # new connections, spread over the workers
            with httpx.Client(base_url=base, timeout=30) as fresh:
                assert fresh.get("/api/collections/later/records").status_code == 404
                names = [c["name"] for c in fresh.get("/api/collections", headers=auth).json()["items"]]
                assert "later" not in names and "users" in names
        assert [b["key"] for b in client.get("/api/backups", headers=auth).json()] == ["served.zip"]
        # the previous data, kept aside during the restore, was removed by the restarted server
        assert not [p for p in (data / ".pb_temp_to_delete").iterdir() if p.is_dir()]
