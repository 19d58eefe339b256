"""Backups in an S3-compatible bucket (`settings.backups.s3`), as PocketBase keeps them there.

PocketBase's `NewBackupsFilesystem` (core/base.go) opens the bucket of the `backups.s3` block
(bucket, region, endpoint, accessKey, secret, forcePathStyle) and its backups file system lists,
uploads, serves and deletes archives at the bucket's root, under their own names. Objects under
a `folder/` prefix are not listed here (no backup URL could name them).

boto3 is synchronous: every call runs in a worker thread. The client is the one the
records' storage uses (store/s3_client.py): bounded connect and read timeouts, three attempts.
An archive is uploaded with boto3's managed transfer (a multipart upload past 8 MB) from the
file the backup wrote in the temp folder, and downloaded the same way into the temp folder for a restore; a client's download is
streamed in chunks, never held whole in memory.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from bastion.backups.backup_names import is_plain_key
from bastion.backups.backup_store import BackupDownload, BackupInfo, BackupStore, BackupStoreError
from bastion.core.settings_sections import S3Settings
from bastion.store.s3_client import is_missing, s3_client

T = TypeVar("T")

PART_SIZE = 8 << 20
CHUNK = 1 << 20  # bytes read from a download's body at a time
_TRANSFER = TransferConfig(
    multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=4, use_threads=True
)


class S3BackupStore(BackupStore):
    def __init__(self, settings: S3Settings) -> None:
        self.bucket = settings.bucket
        self.location = f"s3://{settings.bucket}"
        self._secret = settings.secret
        self.client = s3_client(
            settings.endpoint,
            settings.region,
            settings.access_key,
            settings.secret,
            settings.force_path_style,
        )

    async def _run(self, call: Callable[[], T]) -> T:
        """`call()` in a thread; what the client raises becomes a BackupStoreError."""
        try:
            return await asyncio.to_thread(call)
        except (BotoCoreError, ClientError, Boto3Error) as exc:
            raise BackupStoreError(self._say(exc)) from None

    def _say(self, exc: Exception) -> str:
        inner = exc.__cause__ or exc.__context__
        if isinstance(exc, Boto3Error) and isinstance(inner, (BotoCoreError, ClientError)):
            exc = inner  # the transfer's wrapper names the local temp file: the client's reason
        text = " ".join(str(exc).split()) or type(exc).__name__
        if self._secret:
            text = text.replace(self._secret, "***")
        return f"{text} (bucket {self.bucket!r})"

    async def list(self) -> list[BackupInfo]:
        def run() -> list[BackupInfo]:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
            return [
                BackupInfo(o["Key"], int(o.get("Size", 0)), o["LastModified"].astimezone(UTC))
                for page in pages
                for o in page.get("Contents", [])
                if is_plain_key(o["Key"])
            ]

        found = await self._run(run)
        found.sort(key=lambda b: b.key)
        return found

    async def stat(self, key: str) -> BackupInfo | None:
        if not is_plain_key(key):
            return None

        def run() -> BackupInfo | None:
            # a listing rather than a HEAD, whose bare 404 cannot tell a missing bucket from a
            # missing key; the key itself, if there, sorts before every longer key it starts
            found = self.client.list_objects_v2(Bucket=self.bucket, Prefix=key, MaxKeys=1).get("Contents", [])
            if not found or found[0]["Key"] != key:
                return None
            return BackupInfo(key, int(found[0].get("Size", 0)), found[0]["LastModified"].astimezone(UTC))

        return await self._run(run)

    async def exists(self, key: str) -> bool:
        return await self.stat(key) is not None

    async def put(self, archive: Path, key: str) -> None:
        extra = {"ContentType": "application/zip"}
        try:
            await self._run(
                lambda: self.client.upload_file(
                    str(archive), self.bucket, key, ExtraArgs=extra, Config=_TRANSFER
                )
            )
        finally:
            archive.unlink(missing_ok=True)

    async def fetch(self, key: str, temp_dir: Path) -> tuple[Path, bool] | None:
        if await self.stat(key) is None:
            return None
        temp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="pb_restore_zip_", dir=temp_dir)
        os.close(fd)
        try:
            await self._run(lambda: self.client.download_file(self.bucket, key, name, Config=_TRANSFER))
        except BaseException:
            os.unlink(name)
            raise
        return Path(name), True

    async def open(self, key: str) -> BackupDownload | None:
        if not is_plain_key(key):
            return None

        def run() -> Any:
            try:
                return self.client.get_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if is_missing(exc):
                    return None
                raise

        response = await self._run(run)
        if response is None:
            return None
        modified = response.get("LastModified") or datetime.now(UTC)
        info = BackupInfo(key, int(response.get("ContentLength", 0)), modified.astimezone(UTC))
        return BackupDownload(info, chunks=self._chunks(response["Body"]))

    async def _chunks(self, body: Any) -> AsyncIterator[bytes]:
        try:
            while chunk := await self._run(lambda: body.read(CHUNK)):
                yield chunk
        finally:
            await asyncio.to_thread(body.close)

    async def delete(self, key: str) -> bool:
        # S3 answers a delete of a missing key with success: look first, as PocketBase's blob does
        if await self.stat(key) is None:
            return False
        await self._run(lambda: self.client.delete_object(Bucket=self.bucket, Key=key))
        return True

    def missing_error(self, key: str) -> str:
        return f"the object {key} is not in the bucket {self.bucket}"
