"""/api/backups as PocketBase 0.40 answers it (apis/backup*.go), for a SQLite data directory: the
archive holds a consistent copy of the databases and the stored files."""

from __future__ import annotations

import asyncio
import os
import re
import zipfile
from pathlib import Path

from bastion.backups.backup_lock import BackupLock
from bastion.config import Config
from tests.api.backups.conftest import notes_collection, open_database_from, zip_bytes
from tests.conftest import FORBIDDEN, UNAUTHORIZED, ApiClient, signed_in_api

BUSY = "Try again later - another backup/restore process has already been started."
INVALID = "An error occurred while validating the submitted data."
DATE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$")


def backups_dir(api: ApiClient) -> Path:
    return api.app.config.data_dir / "backups"


async def test_a_backup_holds_the_records_and_the_stored_files(sapi: ApiClient, tmp_path: Path) -> None:
    await notes_collection(sapi)
    r = await sapi.su(
        "POST",
        "/api/collections/notes/records",
        data={"title": "kept"},
        files=[("doc", ("hello.txt", b"hello backup", "text/plain"))],
    )
    assert r.status_code == 200, r.text
    note = r.json()
    r = await sapi.su("POST", "/api/backups", json={"name": "first.zip"})
    assert (r.status_code, r.content) == (204, b"")

    listed = (await sapi.su("GET", "/api/backups")).json()
    archive = backups_dir(sapi) / "first.zip"
    assert listed == [{"key": "first.zip", "modified": listed[0]["modified"], "size": archive.stat().st_size}]
    assert DATE.match(listed[0]["modified"])
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        stored = f"storage/{note['collectionId']}/{note['id']}/{note['doc']}"
        assert zf.read(stored) == b"hello backup"
    assert "data.db" in names and "auxiliary.db" in names
    assert not any(n.startswith(("backups/", ".")) or n.endswith(("-wal", "-shm")) for n in names)
    conn = open_database_from(archive, "data.db", tmp_path / "restored")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT title FROM notes").fetchall() == [("kept",)]
    conn.close()


async def test_without_a_name_the_backup_is_named_as_pocketbase_names_it(sapi: ApiClient) -> None:
    assert (await sapi.su("POST", "/api/backups")).status_code == 204
    assert (await sapi.su("POST", "/api/backups", json={"name": ""})).status_code == 204  # replaces
    keys = [b["key"] for b in (await sapi.su("GET", "/api/backups")).json()]
    assert keys and all(re.fullmatch(r"pb_backup_acme_\d{14}\.zip", k) for k in keys)


async def test_a_backup_taken_while_writes_go_on_is_a_valid_database(sapi: ApiClient, tmp_path: Path) -> None:
    await notes_collection(sapi)
    stop = asyncio.Event()
    written = 0

    async def keep_writing() -> None:
        nonlocal written
        while not stop.is_set():
            await sapi.create_record("notes", {"title": f"n{written}"})
            written += 1
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_writing())
    try:
        while written < 20:
            await asyncio.sleep(0.01)
        r = await sapi.su("POST", "/api/backups", json={"name": "busy.zip"})
        assert r.status_code == 204, r.text
    finally:
        stop.set()
        await writer
    conn = open_database_from(backups_dir(sapi) / "busy.zip", "data.db", tmp_path / "x")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    count = conn.execute("SELECT count(*) FROM notes").fetchone()[0]
    conn.close()
    assert 20 <= count <= written


async def test_names_are_validated_as_pocketbase_does(sapi: ApiClient) -> None:
    assert (await sapi.su("POST", "/api/backups", json={"name": "taken.zip"})).status_code == 204
    cases = {
        "Upper.zip": "validation_match_invalid",
        "no-extension": "validation_match_invalid",
        "../escape.zip": "validation_match_invalid",
        "a" * 147 + ".zip": "validation_length_out_of_range",
        "taken.zip": "validation_backup_name_exists",
    }
    for name, code in cases.items():
        r = await sapi.su("POST", "/api/backups", json={"name": name})
        assert r.status_code == 400, name
        body = r.json()
        assert body["message"] == INVALID
        assert body["data"]["name"]["code"] == code, name
    assert [b["key"] for b in (await sapi.su("GET", "/api/backups")).json()] == ["taken.zip"]


async def test_one_backup_at_a_time_across_processes(sapi: ApiClient) -> None:
    # another worker holds the lock file: this one must see it (a flock, not a process flag)
    other = BackupLock(sapi.app.config.data_dir / ".pb_temp_to_delete")
    assert other.try_acquire("running.zip")
    try:
        r = await sapi.su("POST", "/api/backups", json={"name": "second.zip"})
        assert (r.status_code, r.json()) == (400, {"data": {}, "message": BUSY, "status": 400})
        backups_dir(sapi).mkdir(parents=True, exist_ok=True)
        (backups_dir(sapi) / "running.zip").write_bytes(b"PK\x03\x04partial")
        r = await sapi.su("DELETE", "/api/backups/running.zip")
        assert r.status_code == 400
        assert r.json()["message"] == "The backup is currently being used and cannot be deleted."
        assert await can_backup(sapi) is False  # the dashboard's "backup in progress", as PocketBase
    finally:
        other.release()
    assert await can_backup(sapi) is True
    assert (await sapi.su("POST", "/api/backups", json={"name": "second.zip"})).status_code == 204


async def can_backup(api: ApiClient) -> object:
    r = await api.su("GET", "/api/health")
    assert r.status_code == 200, r.text
    return r.json()["data"]["canBackup"]


async def test_only_superusers_reach_the_backups(sapi: ApiClient) -> None:
    _, user_token = await sapi.create_user("backup-user@example.com")
    for method, url in (
        ("GET", "/api/backups"),
        ("POST", "/api/backups"),
        ("POST", "/api/backups/upload"),
        ("DELETE", "/api/backups/x.zip"),
        ("POST", "/api/backups/x.zip/restore"),
    ):
        r = await sapi.request(method, url)
        assert (r.status_code, r.json()) == (401, UNAUTHORIZED), url
        r = await sapi.request(method, url, token=user_token)
        assert (r.status_code, r.json()) == (403, FORBIDDEN), url
    r = await sapi.request("POST", "/api/files/token", token=user_token)
    r = await sapi.request("GET", f"/api/backups/x.zip?token={r.json()['token']}")
    assert r.status_code == 403
    assert r.json()["message"] == "Insufficient permissions to access the resource."


async def test_download_with_a_superuser_file_token(sapi: ApiClient) -> None:
    assert (await sapi.su("POST", "/api/backups", json={"name": "dl.zip"})).status_code == 204
    token = (await sapi.su("POST", "/api/files/token")).json()["token"]
    r = await sapi.request("GET", f"/api/backups/dl.zip?token={token}")
    assert r.status_code == 200
    assert r.content == (backups_dir(sapi) / "dl.zip").read_bytes()
    assert "attachment" in r.headers["content-disposition"]
    assert (await sapi.request("GET", "/api/backups/dl.zip")).status_code == 403
    assert (await sapi.request("GET", "/api/backups/dl.zip?token=nope")).status_code == 403
    assert (await sapi.request("GET", f"/api/backups/missing.zip?token={token}")).status_code == 404


async def test_delete_then_deleting_again(sapi: ApiClient) -> None:
    assert (await sapi.su("POST", "/api/backups", json={"name": "gone.zip"})).status_code == 204
    assert (await sapi.su("DELETE", "/api/backups/gone.zip")).status_code == 204
    assert (await sapi.su("GET", "/api/backups")).json() == []
    r = await sapi.su("DELETE", "/api/backups/gone.zip")
    assert r.status_code == 400
    assert r.json()["message"].startswith("Invalid or already deleted backup file.")


async def test_upload_keeps_a_zip_under_its_name(sapi: ApiClient) -> None:
    archive = zip_bytes({"data.db": b"x"})
    r = await sapi.su("POST", "/api/backups/upload", files=[("file", ("up.zip", archive, "application/zip"))])
    assert (r.status_code, r.content) == (204, b"")
    assert [b["key"] for b in (await sapi.su("GET", "/api/backups")).json()] == ["up.zip"]
    assert (backups_dir(sapi) / "up.zip").read_bytes() == archive
    r = await sapi.su("POST", "/api/backups/upload", files=[("file", ("up.zip", archive, "application/zip"))])
    assert r.status_code == 400
    assert r.json()["data"]["file"]["code"] == "validation_backup_name_exists"
    r = await sapi.su(
        "POST", "/api/backups/upload", files=[("file", ("t.zip", b"not a zip", "application/zip"))]
    )
    assert r.status_code == 400
    assert r.json()["data"]["file"]["code"] == "validation_invalid_mime_type"
    r = await sapi.su("POST", "/api/backups/upload", data={"x": "1"})
    assert r.status_code == 400
    assert r.json()["data"]["file"]["code"] == "validation_required"


async def test_the_list_is_in_key_order_as_pocketbase_lists_it(sapi: ApiClient) -> None:
    for name in ("zz.zip", "aa.zip", "mm.zip"):
        assert (await sapi.su("POST", "/api/backups", json={"name": name})).status_code == 204
    listed = (await sapi.su("GET", "/api/backups")).json()
    assert [b["key"] for b in listed] == ["aa.zip", "mm.zip", "zz.zip"]
    assert list(listed[0]) == ["modified", "key", "size"]
    r = await sapi.su("DELETE", "/api/backups/missing.zip")
    path = backups_dir(sapi) / "missing.zip"
    assert r.json()["message"] == (
        "Invalid or already deleted backup file. Raw error: \n"
        f"[key: missing.zip] remove {path}: no such file or directory\nresource not found."
    )


async def test_an_archive_larger_than_the_body_limit_uploads_while_other_routes_keep_it(
    tmp_path: Path,
) -> None:
    """A backup is the whole data directory: its upload has no body limit (as PocketBase's), and
    only that route: a collection create over the limit is still refused."""
    config = Config(data_dir=tmp_path / "data", max_body_bytes=4096)
    async with signed_in_api(config) as api:
        archive = zip_bytes({"data.db": os.urandom(64 * 1024)})  # random: the zip cannot shrink it
        r = await api.su(
            "POST", "/api/backups/upload", files=[("file", ("big.zip", archive, "application/zip"))]
        )
        assert r.status_code == 204, r.text
        assert [b["key"] for b in (await api.su("GET", "/api/backups")).json()] == ["big.zip"]
        r = await api.su("POST", "/api/collections", json={"name": "x", "fields": [], "pad": "x" * 8192})
        assert r.status_code == 413
