"""The storage interface both backends implement, and the key rules they share.

Keys look like PocketBase's: `<collectionId>/<recordId>/<filename>`, thumbnails under
`<collectionId>/<recordId>/thumbs_<filename>/<size>_<filename>`. Every key is checked before use
(no empty, `.` or `..` segment, no backslash or NUL), so a crafted name can never reach outside
the storage root or another record's files.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import IO

CHUNK = 256 << 10


class InvalidKeyError(ValueError):
    pass


@dataclass(frozen=True)
class FileInfo:
    size: int
    modified: float  # unix seconds
    content_type: str


def check_key(key: str, *, prefix: bool = False) -> str:
    body = key[:-1] if prefix and key.endswith("/") else key
    parts = body.split("/")
    if (
        not body
        or "\\" in key
        or "\x00" in key
        or any(p in ("", ".", "..") for p in parts)
        or len(key.encode()) > 1000
    ):
        raise InvalidKeyError(f"invalid storage key {key!r}")
    return key


def record_key(collection_id: str, record_id: str, filename: str) -> str:
    return check_key(f"{collection_id}/{record_id}/{filename}")


def thumbs_prefix(collection_id: str, record_id: str, filename: str) -> str:
    return check_key(f"{collection_id}/{record_id}/thumbs_{filename}/", prefix=True)


def thumb_key(collection_id: str, record_id: str, filename: str, size: str) -> str:
    return check_key(f"{collection_id}/{record_id}/thumbs_{filename}/{size}_{filename}")


class Storage(ABC):
    """Async file storage. Implementations keep blocking I/O off the event loop."""

    name: str

    @abstractmethod
    async def save(self, key: str, source: IO[bytes], content_type: str) -> None:
        """Store `source` (read from its start) under `key`, replacing any previous object."""

    @abstractmethod
    async def save_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    @abstractmethod
    async def stat(self, key: str) -> FileInfo | None:
        """Size, modification time and content type, or None when there is no such object."""

    @abstractmethod
    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes `start`..`end` (inclusive; None: to the end) in chunks."""

    async def read_bytes(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.read(key)])

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove one object; a missing one is not an error."""

    @abstractmethod
    async def delete_prefix(self, prefix: str) -> None:
        """Remove every object whose key starts with `prefix` (which ends with '/')."""

    @abstractmethod
    async def list_keys(self, prefix: str) -> list[str]:
        """Every key under `prefix` (ends with '/'), sorted."""

    async def close(self) -> None:
        return None
