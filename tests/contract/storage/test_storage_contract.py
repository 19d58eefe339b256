"""One contract for every storage backend: local disk and S3 (a real moto server)."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from bastion.core.settings_sections import S3Settings
from bastion.files.storage_base import InvalidKeyError, Storage
from bastion.files.storage_local import LocalStorage
from tests.support.s3_server import new_bucket_settings


@pytest.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "local":
        backend: Storage = LocalStorage(tmp_path / "storage")
    else:
        from bastion.files.storage_s3 import S3Storage

        block = new_bucket_settings(request.getfixturevalue("s3_endpoint"))
        backend = S3Storage(msgspec.convert(block, S3Settings))
    yield backend
    await backend.close()


async def test_save_stat_read(storage: Storage) -> None:
    await storage.save("c/r/a.txt", io.BytesIO(b"hello world"), "text/plain; charset=utf-8")
    info = await storage.stat("c/r/a.txt")
    assert info is not None and info.size == 11 and info.content_type.startswith("text/plain")
    assert await storage.read_bytes("c/r/a.txt") == b"hello world"
    assert b"".join([c async for c in storage.read("c/r/a.txt", 2, 4)]) == b"llo"
    assert b"".join([c async for c in storage.read("c/r/a.txt", 6)]) == b"world"
    assert await storage.stat("c/r/missing.txt") is None


async def test_overwrite_replaces(storage: Storage) -> None:
    await storage.save_bytes("c/r/a.bin", b"one", "application/octet-stream")
    await storage.save_bytes("c/r/a.bin", b"two!", "application/octet-stream")
    assert await storage.read_bytes("c/r/a.bin") == b"two!"


async def test_delete_and_delete_prefix(storage: Storage) -> None:
    for key in ("c/r1/a", "c/r1/thumbs_a/10x10_a", "c/r2/b", "c/r10/x"):
        await storage.save_bytes(key, b"x", "application/octet-stream")
    await storage.delete("c/r2/b")
    await storage.delete("c/r2/never-existed")
    assert await storage.list_keys("c/") == ["c/r1/a", "c/r1/thumbs_a/10x10_a", "c/r10/x"]
    await storage.delete_prefix("c/r1/")
    assert await storage.list_keys("c/") == ["c/r10/x"]  # r10 shares r1's letters, not its folder


@pytest.mark.parametrize("key", ["../x", "c/../../x", "/abs", "c//x", "c/./x", "c\\x", "c/x\x00", ""])
async def test_keys_cannot_escape(storage: Storage, key: str) -> None:
    with pytest.raises(InvalidKeyError):
        await storage.save_bytes(key, b"x", "text/plain")
    with pytest.raises(InvalidKeyError):
        await storage.stat(key)


async def test_large_file_streams_in_chunks(storage: Storage) -> None:
    # 20 MB: past the S3 multipart threshold, and many read chunks.
    block = os.urandom(1 << 20)
    with tempfile.TemporaryFile() as f:
        for _ in range(20):
            f.write(block)
        await storage.save("c/r/big.bin", f, "application/octet-stream")
    info = await storage.stat("c/r/big.bin")
    assert info is not None and info.size == 20 << 20
    sizes = []
    async for chunk in storage.read("c/r/big.bin", 1 << 20):
        sizes.append(len(chunk))
        assert len(chunk) <= 1 << 20
    assert sum(sizes) == 19 << 20 and len(sizes) > 1
    tail = b"".join([c async for c in storage.read("c/r/big.bin", (20 << 20) - 5)])
    assert tail == block[-5:]
