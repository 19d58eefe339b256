"""Files on the local disk, under `<data dir>/storage` (PocketBase's layout).

Writes go to a temporary file in the target directory and are renamed into place, so a reader
never sees half a file and a failed write leaves nothing behind. All disk work runs in worker
threads. Content types are sniffed from the first bytes on `stat` (no sidecar files).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from bastion.files import file_mime
from bastion.files.storage_base import CHUNK, FileInfo, InvalidKeyError, Storage, check_key


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str, *, prefix: bool = False) -> Path:
        check_key(key, prefix=prefix)
        path = (self.root / key).resolve()
        if path != self.root and self.root not in path.parents:
            raise InvalidKeyError(f"invalid storage key {key!r}")
        return path

    async def save(self, key: str, source: IO[bytes], content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), source)

    async def save_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), io.BytesIO(data))

    @staticmethod
    def _write(path: Path, source: IO[bytes]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                source.seek(0)
                shutil.copyfileobj(source, out, CHUNK)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def stat(self, key: str) -> FileInfo | None:
        return await asyncio.to_thread(self._stat, self._path(key))

    @staticmethod
    def _stat(path: Path) -> FileInfo | None:
        try:
            st = path.stat()
            if not path.is_file():
                return None
            with path.open("rb") as f:
                head = f.read(file_mime.SNIFF_BYTES)
        except (FileNotFoundError, NotADirectoryError):
            return None
        return FileInfo(st.st_size, st.st_mtime, file_mime.sniff(head))

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        path = self._path(key)
        f = await asyncio.to_thread(path.open, "rb")
        try:
            await asyncio.to_thread(f.seek, start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                size = CHUNK if remaining is None else min(CHUNK, remaining)
                chunk = await asyncio.to_thread(f.read, size)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            await asyncio.to_thread(f.close)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._unlink, self._path(key))

    def _unlink(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        # Drop emptied record/collection directories, as PocketBase's blob driver does.
        parent = path.parent
        while parent != self.root and self.root in parent.parents:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    async def delete_prefix(self, prefix: str) -> None:
        path = self._path(prefix, prefix=True)
        await asyncio.to_thread(shutil.rmtree, path, True)
        parent = path.parent
        if parent != self.root:
            await asyncio.to_thread(self._rmdir_quiet, parent)

    async def list_keys(self, prefix: str) -> list[str]:
        path = self._path(prefix, prefix=True)

        def walk() -> list[str]:
            if not path.is_dir():
                return []
            return sorted(
                p.relative_to(self.root).as_posix()
                for p in path.rglob("*")
                if p.is_file() and not p.name.startswith(".upload-")
            )

        return await asyncio.to_thread(walk)

    @staticmethod
    def _rmdir_quiet(path: Path) -> None:
        with contextlib.suppress(OSError):
            path.rmdir()
