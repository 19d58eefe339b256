"""A real `bastion serve` with two workers: a backup made on one worker is listed and downloaded
on whichever worker answers next (the folder is the state, not a process's memory)."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import httpx

from tests.support.serve_process import BASTION, serving


def test_backups_over_http_with_two_workers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    email, password = "backups@example.com", "backups-pass-1234"
    subprocess.run(
        [BASTION, "superuser", "upsert", email, password, "--dir", str(data)], check=True, capture_output=True
    )
    with (
        serving(data, args=("--workers", "2")) as (_, base),
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        token = client.post(
            "/api/collections/_superusers/auth-with-password", json={"identity": email, "password": password}
        ).json()["token"]
        auth = {"Authorization": token}
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
