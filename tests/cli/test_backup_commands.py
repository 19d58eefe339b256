"""`bastion backup create|list|restore` through click's runner: a backup, a change, a restore
that takes the change back; a restore is refused while a server holds the data directory; with
the settings' backups.s3 on, all three use that bucket (the suite's local S3 server), and `list`
shows what GET /api/backups would, oldest first."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bastion.backups.backup_lock import ServeLock
from bastion.cli.main import main
from bastion.config import Config
from tests.conftest import fresh_pg_schema, signed_in_api
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
    assert run("backup", "list").splitlines()[0] == f"Backups in {data / 'backups'}:"
    listed = run("backup", "list").splitlines()[1]
    assert listed.startswith("nightly.zip ") and "KiB" in listed and listed.endswith(" UTC")

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
    assert run("backup", "list").splitlines()[1].startswith("nightly.zip ")
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


def test_list_with_no_data_directory_creates_nothing(tmp_path: Path) -> None:
    data = tmp_path / "nowhere"
    result = CliRunner().invoke(main, ["backup", "list", "--dir", str(data)])
    assert result.exit_code == 0, result.output
    assert result.output == f"No backups in {data / 'backups'}.\n"
    assert not data.exists()


async def set_backups_s3(config: Config, s3: dict[str, Any]) -> None:
    async with signed_in_api(config) as api:
        r = await api.su("PATCH", "/api/settings", json={"backups": {"s3": s3}})
        assert r.status_code == 200, r.text


def bucket_times(endpoint: str, bucket: str) -> dict[str, str]:
    listed = s3_client(endpoint).list_objects_v2(Bucket=bucket)["Contents"]
    return {o["Key"]: f"{o['LastModified'].astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" for o in listed}


def test_list_shows_the_backups_bucket_the_settings_name_oldest_first(
    tmp_path: Path, s3_endpoint: str
) -> None:
    data = tmp_path / "data"
    s3 = new_bucket_settings(s3_endpoint)
    asyncio.run(set_backups_s3(Config(data_dir=data), s3))
    (data / "backups").mkdir()
    (data / "backups" / "local_only.zip").write_bytes(b"local")  # not what the server lists now
    s3_client(s3_endpoint).put_object(Bucket=s3["bucket"], Key="zz_older.zip", Body=b"0123456789")
    time.sleep(1.1)  # S3's times are to the second; the newer one's name sorts first
    runner = CliRunner()
    result = runner.invoke(main, ["backup", "create", "aa_newer.zip", "--dir", str(data)])
    assert result.exit_code == 0, result.output

    result = runner.invoke(main, ["backup", "list", "--dir", str(data)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Backups in s3://{s3['bucket']}:"
    assert [line.split()[0] for line in lines[1:]] == ["zz_older.zip", "aa_newer.zip"]
    times = bucket_times(s3_endpoint, s3["bucket"])
    assert lines[1] == f"zz_older.zip  {'10 B':>9}  {times['zz_older.zip']}"
    assert lines[2].endswith(times["aa_newer.zip"]) and "KiB" in lines[2]

    # backups.s3 off: the local folder again
    asyncio.run(set_backups_s3(Config(data_dir=data), {**s3, "enabled": False}))
    result = runner.invoke(main, ["backup", "list", "--dir", str(data)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"Backups in {data / 'backups'}:"
    assert [line.split()[0] for line in result.output.splitlines()[1:]] == ["local_only.zip"]

    # a bucket that cannot be listed is one line and exit 1
    asyncio.run(set_backups_s3(Config(data_dir=data), {**s3, "bucket": "bt-missing-bucket"}))
    result = runner.invoke(main, ["backup", "list", "--dir", str(data)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and len(result.output.splitlines()) == 1, result.output


@pytest.mark.postgres
async def test_list_reads_the_settings_of_the_database_url_it_is_given(
    tmp_path: Path, s3_endpoint: str
) -> None:
    """BASTION_DATABASE_URL (or --db) names the database whose settings say where the backups are."""
    data = tmp_path / "data"
    s3 = new_bucket_settings(s3_endpoint)
    s3_client(s3_endpoint).put_object(Bucket=s3["bucket"], Key="pg_side.zip", Body=b"pg")
    runner = CliRunner()
    async with fresh_pg_schema() as url:
        await set_backups_s3(Config(data_dir=data, database_url=url), s3)
        for how in ({"env": {"BASTION_DATABASE_URL": url}, "args": []}, {"env": {}, "args": ["--db", url]}):
            result = await asyncio.to_thread(
                runner.invoke, main, ["backup", "list", "--dir", str(data), *how["args"]], env=how["env"]
            )
            assert result.exit_code == 0, result.output
            assert result.output.splitlines()[0] == f"Backups in s3://{s3['bucket']}:"
            assert result.output.splitlines()[1].startswith("pg_side.zip ")
    # the same data directory without the URL: SQLite, whose settings (none yet) say the folder
    result = await asyncio.to_thread(runner.invoke, main, ["backup", "list", "--dir", str(data)])
    assert result.output == f"No backups in {data / 'backups'}.\n"
