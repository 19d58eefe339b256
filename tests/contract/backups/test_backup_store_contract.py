"""One contract for both places backups are kept: the local folder and an S3 bucket (the suite's
moto server). The Backups service (and so /api/backups) relies on nothing more."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from bastion.backups.backup_store import BackupStore, LocalBackupStore
from bastion.core.settings_sections import S3Settings
from tests.support.s3_server import new_bucket_settings


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BackupStore]:
    if request.param == "local":
        yield LocalBackupStore(tmp_path / "backups")
    else:
        from bastion.backups.backup_store_s3 import S3BackupStore

        block = new_bucket_settings(request.getfixturevalue("s3_endpoint"))
        yield S3BackupStore(msgspec.convert(block, S3Settings))


def staged(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "temp" / f"staged_{os.urandom(4).hex()}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


async def test_put_takes_the_file_and_the_backup_is_listed(store: BackupStore, tmp_path: Path) -> None:
    assert await store.list() == []
    source = staged(tmp_path, b"PK\x03\x04 one")
    await store.put(source, "b.zip")
    await store.put(staged(tmp_path, b"PK\x03\x04 two!"), "a.zip")
    assert not source.exists()  # moved in, or uploaded and removed
    listed = await store.list()
    assert [(b.key, b.size) for b in listed] == [("a.zip", 9), ("b.zip", 8)]  # by key
    info = await store.stat("a.zip")
    assert info is not None and info.size == 9 and info.modified.tzinfo is not None
    assert await store.exists("a.zip") and not await store.exists("a.zi")
    assert await store.stat("missing.zip") is None
    await store.put(staged(tmp_path, b"PK\x03\x04 replaced"), "a.zip")  # a new one replaces it
    replaced = await store.stat("a.zip")
    assert replaced is not None and replaced.size == 13


async def test_fetch_and_open_give_the_bytes(store: BackupStore, tmp_path: Path) -> None:
    data = os.urandom(9 << 20)  # past the 8 MB multipart threshold
    await store.put(staged(tmp_path, data), "big.zip")
    fetched = await store.fetch("big.zip", tmp_path / "temp")
    assert fetched is not None
    path, is_copy = fetched
    assert path.read_bytes() == data
    if is_copy:
        assert path.parent == tmp_path / "temp"
        path.unlink()
    download = await store.open("big.zip")
    assert download is not None and download.info.size == len(data)
    if download.path is not None:
        assert download.path.read_bytes() == data
    else:
        assert download.chunks is not None
        assert b"".join([c async for c in download.chunks]) == data
    assert await store.fetch("missing.zip", tmp_path / "temp") is None
    assert await store.open("missing.zip") is None


async def test_delete(store: BackupStore, tmp_path: Path) -> None:
    await store.put(staged(tmp_path, b"PK\x03\x04"), "gone.zip")
    assert await store.delete("gone.zip")
    assert not await store.delete("gone.zip")
    assert await store.list() == []
    assert "gone.zip" in store.missing_error("gone.zip")


async def test_keys_that_name_no_backup(store: BackupStore, tmp_path: Path) -> None:
    for key in ("../x.zip", "a/b.zip", ".hidden.zip", ""):
        assert await store.stat(key) is None
        assert await store.open(key) is None
        assert not await store.delete(key)
