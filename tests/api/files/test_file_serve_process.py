"""A real `bastion serve` (granian): a 40 MB upload past the default 32 MB body limit, streamed
back whole, by range and by HEAD."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import httpx

from tests.support.serve_process import BASTION, start_serve


def test_large_upload_and_download_over_http(tmp_path: Path) -> None:
    data = tmp_path / "data"
    email, password = "files@example.com", "files-pass-1234"
    subprocess.run(
        [BASTION, "superuser", "upsert", email, password, "--dir", str(data)], check=True, capture_output=True
    )
    big = tmp_path / "big.bin"
    block = os.urandom(1 << 20)
    with big.open("wb") as f:
        for _ in range(40):
            f.write(block)
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    proc, base = start_serve(data)
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            token = client.post(
                "/api/collections/_superusers/auth-with-password",
                json={"identity": email, "password": password},
            ).json()["token"]
            auth = {"Authorization": token}
            fields = [{"name": "blob", "type": "file", "maxSelect": 1, "maxSize": 64 << 20}]
            r = client.post("/api/collections", headers=auth, json={"name": "big", "fields": fields})
            assert r.status_code == 200, r.text
            with big.open("rb") as f:
                r = client.post("/api/collections/big/records", headers=auth, files={"blob": ("big.bin", f)})
            assert r.status_code == 200, r.text
            url = f"/api/files/big/{r.json()['id']}/{r.json()['blob']}"
            sha = hashlib.sha256()
            with client.stream("GET", url) as got:
                assert got.status_code == 200
                assert got.headers["content-length"] == str(40 << 20)
                for chunk in got.iter_bytes():
                    sha.update(chunk)
            assert sha.hexdigest() == digest
            part = client.get(url, headers={"Range": "bytes=1048570-1048580"})
            assert part.status_code == 206 and part.content == (block * 2)[1048570:1048581]
            head = client.head(url)
            assert head.status_code == 200 and head.headers["content-length"] == str(40 << 20)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
