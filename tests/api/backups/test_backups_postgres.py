"""Backups of a PostgreSQL deployment: pg_dump of Bastion's schema plus the stored files, in the
same zip layout with a marker; backup → wipe → restore brings records, files and users back."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from bastion.config import Config
from tests.api.backups.conftest import notes_collection, zip_bytes
from tests.api.backups.test_backups_restore import count, sign_in, storage_hashes
from tests.conftest import fresh_pg_schema, signed_in_api

pytestmark = pytest.mark.postgres


async def test_backup_wipe_restore_on_postgres(tmp_path: Path) -> None:
    async with (
        fresh_pg_schema() as url,
        signed_in_api(Config(data_dir=tmp_path / "data", database_url=url)) as api,
    ):
        data_dir = api.app.config.data_dir
        await notes_collection(api)
        for i in range(3):
            r = await api.su(
                "POST",
                "/api/collections/notes/records",
                data={"title": f"note {i}"},
                files=[("doc", (f"f{i}.bin", os.urandom(1500 + i), "application/octet-stream"))],
            )
            assert r.status_code == 200, r.text
        await api.create_user("pg-kept@example.com", "old-password-1")
        hashes = storage_hashes(data_dir)
        assert len(hashes) == 3
        assert (await api.su("POST", "/api/backups", json={"name": "pg.zip"})).status_code == 204
        with zipfile.ZipFile(data_dir / "backups" / "pg.zip") as zf:
            names = set(zf.namelist())
        assert {"bastion_postgres.json", "postgres.dump"} <= names
        assert sum(n.startswith("storage/") for n in names) == 3
        assert "data.db" not in names

        # wipe: the records and their files, the user's password; a collection added
        for rec in (await api.su("GET", "/api/collections/notes/records")).json()["items"]:
            assert (await api.su("DELETE", f"/api/collections/notes/records/{rec['id']}")).status_code == 204
        user = (await api.su("GET", "/api/collections/users/records")).json()["items"][0]
        r = await api.su(
            "PATCH",
            f"/api/collections/users/records/{user['id']}",
            json={"password": "new-password-1", "passwordConfirm": "new-password-1"},
        )
        assert r.status_code == 200, r.text
        await api.create_collection({"name": "later"})
        assert storage_hashes(data_dir) == {}

        r = await api.su("POST", "/api/backups/pg.zip/restore")
        assert (r.status_code, r.content) == (204, b""), r.text
        assert await count(api, "notes") == 3
        assert await count(api, "users") == 1
        assert storage_hashes(data_dir) == hashes
        assert await sign_in(api, "pg-kept@example.com", "old-password-1") == 200
        assert await sign_in(api, "pg-kept@example.com", "new-password-1") == 400
        assert (await api.su("GET", "/api/collections/later")).status_code == 404
        await api.create_record("notes", {"title": "after"})  # writes go on

        # a SQLite data directory's backup is refused, and nothing changes
        (data_dir / "backups" / "lite.zip").write_bytes(zip_bytes({"data.db": b"x"}))
        r = await api.su("POST", "/api/backups/lite.zip/restore")
        assert r.status_code == 400
        assert "not of a PostgreSQL deployment" in r.json()["message"]
        assert await count(api, "notes") == 4

        # the backup cron is scheduled on PostgreSQL too
        r = await api.su("PATCH", "/api/settings", json={"backups": {"cron": "0 3 * * *"}})
        assert r.status_code == 200
        crons = [c["id"] for c in (await api.su("GET", "/api/crons")).json()]
        assert "__pbAutoBackup__" in crons


async def test_without_pg_dump_a_backup_says_to_install_the_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        fresh_pg_schema() as url,
        signed_in_api(Config(data_dir=tmp_path / "data", database_url=url)) as api,
    ):
        monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without PostgreSQL's client tools
        r = await api.su("POST", "/api/backups", json={"name": "none.zip"})
        assert r.status_code == 400
        assert "pg_dump was not found" in r.json()["message"]
        assert "postgresql-client" in r.json()["message"]
        assert (await api.su("GET", "/api/backups")).json() == []
