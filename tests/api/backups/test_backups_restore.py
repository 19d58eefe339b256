"""POST /api/backups/{key}/restore on a SQLite data directory: backup → wipe → restore brings the
records, their files and the users back (a user signs in with the old password); an archive that
is not a valid backup is refused with a 400 and nothing changes."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest

from bastion.backups.backup_lock import BackupLock
from bastion.config import Config
from bastion.store.errors import DatabaseBusy
from tests.api.backups.conftest import notes_collection, zip_bytes
from tests.conftest import ApiClient, signed_in_api

BUSY = "Try again later - another backup/restore process has already been started."


def storage_hashes(data_dir: Path) -> dict[str, str]:
    root = data_dir / "storage"
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


async def sign_in(api: ApiClient, email: str, password: str) -> int:
    r = await api.request(
        "POST", "/api/collections/users/auth-with-password", json={"identity": email, "password": password}
    )
    return r.status_code


async def count(api: ApiClient, collection: str) -> int:
    r = await api.su("GET", f"/api/collections/{collection}/records?perPage=1")
    assert r.status_code == 200, r.text
    return int(r.json()["totalItems"])


async def test_backup_wipe_restore_brings_records_files_and_users_back(sapi: ApiClient) -> None:
    data_dir = sapi.app.config.data_dir
    await notes_collection(sapi)
    for i in range(3):
        r = await sapi.su(
            "POST",
            "/api/collections/notes/records",
            data={"title": f"note {i}"},
            files=[("doc", (f"f{i}.bin", os.urandom(2000 + i), "application/octet-stream"))],
        )
        assert r.status_code == 200, r.text
    await sapi.create_user("kept@example.com", "old-password-1")
    hashes = storage_hashes(data_dir)
    assert len(hashes) == 3
    assert (await sapi.su("POST", "/api/backups", json={"name": "before.zip"})).status_code == 204

    # wipe: records and their files deleted, the user's password changed, a new user added
    for rec in (await sapi.su("GET", "/api/collections/notes/records")).json()["items"]:
        assert (await sapi.su("DELETE", f"/api/collections/notes/records/{rec['id']}")).status_code == 204
    user = (await sapi.su("GET", "/api/collections/users/records")).json()["items"][0]
    r = await sapi.su(
        "PATCH",
        f"/api/collections/users/records/{user['id']}",
        json={"password": "new-password-1", "passwordConfirm": "new-password-1"},
    )
    assert r.status_code == 200, r.text
    await sapi.create_user("later@example.com", "later-password-1")
    assert await count(sapi, "notes") == 0
    assert storage_hashes(data_dir) == {}

    r = await sapi.su("POST", "/api/backups/before.zip/restore")
    assert (r.status_code, r.content) == (204, b"")
    # the App has reopened on the restored files (outside `bastion serve` it does not restart)
    assert await count(sapi, "notes") == 3
    assert await count(sapi, "users") == 1
    assert storage_hashes(data_dir) == hashes
    assert await sign_in(sapi, "kept@example.com", "old-password-1") == 200
    assert await sign_in(sapi, "kept@example.com", "new-password-1") == 400
    assert await sign_in(sapi, "later@example.com", "later-password-1") == 400
    # the backups stay; the previous content is kept aside until the next `bastion serve` start
    assert [b["key"] for b in (await sapi.su("GET", "/api/backups")).json()] == ["before.zip"]
    assert [p.name[:12] for p in (data_dir / ".pb_temp_to_delete").iterdir() if p.is_dir()] == [
        "old_pb_data_"
    ]
    # what an interrupted backup, upload or bucket download leaves goes too
    for partial in ("pb_backup_1a2b_x.zip", "pb_upload_zz", "pb_restore_zip_q"):
        (data_dir / ".pb_temp_to_delete" / partial).write_bytes(b"partial")
    assert sapi.app.backups.remove_leftovers()
    assert [p.name for p in (data_dir / ".pb_temp_to_delete").iterdir()] == ["backup.lock"]
    # writes and backups go on after the restore
    await sapi.create_record("notes", {"title": "after"})
    assert (await sapi.su("POST", "/api/backups", json={"name": "after.zip"})).status_code == 204


def _db_bytes() -> bytes:
    """A SQLite database with PocketBase's _collections table (no `data` column)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE _collections (id, system, type, name, fields, indexes)")
    data = conn.serialize()
    conn.close()
    return data


def _symlink_zip() -> bytes:
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("data.db", _db_bytes())
        link = zipfile.ZipInfo("storage/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    return out.getvalue()


def _content(data_dir: Path) -> list[str]:
    """The data directory's entries, but for hidden ones and SQLite's side files (which come and
    go as the databases are used)."""
    return sorted(
        p.name
        for p in data_dir.iterdir()
        if not p.name.startswith(".") and not p.name.endswith(("-wal", "-shm"))
    )


@pytest.mark.parametrize(
    ("archive", "says"),
    [
        (lambda: b"PK\x03\x04 not really a zip", "not a valid zip"),
        (lambda: zip_bytes({"storage/x.txt": b"x"}), "no data.db"),
        (lambda: zip_bytes({"data.db": b"not a database at all"}), "not a SQLite database"),
        (lambda: zip_bytes({"data.db": _db_bytes()}), "not a Bastion database"),
        (lambda: zip_bytes({"data.db": _db_bytes(), "../evil.txt": b"x"}), "unsafe name"),
        (lambda: zip_bytes({"data.db": _db_bytes(), "/abs/evil.txt": b"x"}), "unsafe name"),
        (_symlink_zip, "not a plain file"),
    ],
    ids=["not-a-zip", "no-data-db", "data-db-not-sqlite", "not-bastion", "traversal", "absolute", "symlink"],
)
async def test_an_invalid_archive_is_refused_and_nothing_changes(
    sapi: ApiClient, archive: object, says: str
) -> None:
    data_dir = sapi.app.config.data_dir
    await sapi.create_user("stays@example.com", "stays-password-1")
    assert callable(archive)
    (data_dir / "backups").mkdir(parents=True, exist_ok=True)
    (data_dir / "backups" / "bad.zip").write_bytes(archive())
    before = _content(data_dir)
    r = await sapi.su("POST", "/api/backups/bad.zip/restore")
    assert r.status_code == 400
    assert says in r.json()["message"], r.json()
    assert _content(data_dir) == before
    assert not (data_dir.parent / "evil.txt").exists()
    assert [p.name for p in (data_dir / ".pb_temp_to_delete").iterdir() if p.is_dir()] == []
    assert await sign_in(sapi, "stays@example.com", "stays-password-1") == 200
    assert sapi.app.backups.active_name() is None  # the lock was let go


async def test_a_restore_while_another_operation_runs_is_refused(sapi: ApiClient) -> None:
    assert (await sapi.su("POST", "/api/backups", json={"name": "r.zip"})).status_code == 204
    other = BackupLock(sapi.app.config.data_dir / ".pb_temp_to_delete")
    assert other.try_acquire("another.zip")
    try:
        r = await sapi.su("POST", "/api/backups/r.zip/restore")
        assert (r.status_code, r.json()["message"]) == (400, BUSY)
    finally:
        other.release()
    r = await sapi.su("POST", "/api/backups/missing.zip/restore")
    assert (r.status_code, r.json()["message"]) == (400, "Missing or invalid backup file.")


async def test_between_the_swap_and_the_restart_the_old_database_takes_no_writes(tmp_path: Path) -> None:
    """What a worker still open on the replaced database meets until the server restarts it:
    its writes fail busy (503) instead of landing in a file nobody will read again."""
    async with signed_in_api(Config(data_dir=tmp_path / "data", db_acquire_timeout=0.2)) as api:
        await notes_collection(api)
        assert (await api.su("POST", "/api/backups", json={"name": "b.zip"})).status_code == 204
        await api.app.backups.restore("b.zip")  # the files are swapped; no restart yet
        with pytest.raises(DatabaseBusy):
            async with api.app.transaction() as tx:
                await tx.execute("DELETE FROM notes")
        r = await api.su("POST", "/api/collections/notes/records", json={"title": "lost?"})
        assert r.status_code == 503
        assert api.app.backups.active_name() == "b.zip"  # other backups and restores wait too
        health = (await api.su("GET", "/api/health")).json()["data"]
        assert health["canBackup"] is False  # until the restart: what a client waits for
        await api.app.after_restore()
        await api.create_record("notes", {"title": "kept"})
        assert api.app.backups.active_name() is None
        assert (await api.su("GET", "/api/health")).json()["data"]["canBackup"] is True
