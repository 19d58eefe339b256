"""`bastion backup create|list|restore` through click's runner: a backup, a change, a restore
that takes the change back; a restore is refused while a server holds the data directory."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from bastion.backups.backup_lock import ServeLock
from bastion.cli.main import main
from bastion.config import Config
from tests.conftest import signed_in_api
from tests.support.s3_server import new_bucket_settings, s3_client


def password_hash(data: Path) -> str:
    conn = sqlite3.connect(data / "data.db")
    try:
        return str(conn.execute("SELECT password FROM _superusers").fetchone()[0])
    finally:
        conn.close()


def test_create_list_and_restore(tmp_path: Path) -> None:
    data = tmp_path / "data"
    runner = CliRunner()
    dir_ = ["--dir", str(data)]

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, [*args, *dir_])
        assert result.exit_code == code, result.output
        return result.output

    run("superuser", "upsert", "cli@example.com", "first-password-1")
    (data / "storage").mkdir()
    (data / "storage" / "kept.txt").write_bytes(b"kept")
    before = password_hash(data)
    assert 'Created backup "nightly.zip"' in run("backup", "create", "nightly.zip")
    assert "already exists" in run("backup", "create", "nightly.zip", code=1)
    assert "invalid backup name" in run("backup", "create", "Bad Name.zip", code=1)
    listed = run("backup", "list")
    assert listed.startswith("nightly.zip ") and "KiB" in listed

    run("superuser", "upsert", "cli@example.com", "second-password-2")
    (data / "storage" / "kept.txt").unlink()
    (data / "storage" / "later.txt").write_bytes(b"later")
    assert password_hash(data) != before

    server = ServeLock(data)  # what a running `bastion serve` holds
    assert server.try_shared()
    try:
        out = run("backup", "restore", "nightly.zip", "--yes", code=1)
        assert "a Bastion server is running on" in out
    finally:
        server.release()
    assert "Restored backup" in run("backup", "restore", "nightly.zip", "--yes")
    assert password_hash(data) == before
    assert sorted(p.name for p in (data / "storage").iterdir()) == ["kept.txt"]
    assert run("backup", "list").startswith("nightly.zip ")
    assert not [p for p in (data / ".pb_temp_to_delete").iterdir() if p.is_dir()]
    assert "Missing or invalid backup file." in run("backup", "restore", "nope.zip", "--yes", code=1)


def test_help_reads_well() -> None:
    out = CliRunner().invoke(main, ["backup", "--help"]).output
    assert "create" in out and "list" in out and "restore" in out
    out = CliRunner().invoke(main, ["backup", "restore", "--help"]).output
    assert "no `bastion serve` runs" in out


def test_create_and_restore_use_the_backups_bucket_the_settings_name(
    tmp_path: Path, s3_endpoint: str
) -> None:
    data = tmp_path / "data"
    s3 = new_bucket_settings(s3_endpoint)

    async def turn_s3_on() -> None:
        async with signed_in_api(Config(data_dir=data)) as api:
            r = await api.su("PATCH", "/api/settings", json={"backups": {"s3": s3}})
            assert r.status_code == 200, r.text

    asyncio.run(turn_s3_on())
    runner = CliRunner()
    result = runner.invoke(main, ["backup", "create", "remote.zip", "--dir", str(data)])
    assert result.exit_code == 0, result.output
    assert f'Created backup "remote.zip" in s3://{s3["bucket"]}.' in result.output
    listed = s3_client(s3_endpoint).list_objects_v2(Bucket=s3["bucket"])["Contents"]
    assert [o["Key"] for o in listed] == ["remote.zip"]
    assert not (data / "backups").exists()
    result = runner.invoke(main, ["backup", "restore", "remote.zip", "--yes", "--dir", str(data)])
    assert result.exit_code == 0, result.output
    assert 'Restored backup "remote.zip"' in result.output
