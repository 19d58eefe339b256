"""Files in an S3-compatible bucket (AWS, MinIO, R2, ...), from PocketBase's `s3` settings block.

boto3 is synchronous, so every call runs in a worker thread. Uploads past 8 MB are multipart
uploads, one part in memory at a time; downloads are ranged GETs read in
chunks, so neither direction holds a whole file in memory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import IO, TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bastion.core.settings_sections import S3Settings
from bastion.files.storage_base import CHUNK, FileInfo, Storage, check_key
from bastion.store.s3_client import is_missing, s3_client

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

PART_SIZE = 8 << 20  # S3 parts must be at least 5 MB (the last one excepted)


def client_from_settings(s3: S3Settings) -> Any:
    """A client for these connection settings; clients are thread-safe and costly to build
    (boto3 loads its service model each time), so one per distinct configuration is kept."""
    return s3_client(s3.endpoint, s3.region, s3.access_key, s3.secret, s3.force_path_style)


class S3Storage(Storage):
    name = "s3"

    def __init__(self, settings: S3Settings) -> None:
        self.bucket = settings.bucket
        self.client = client_from_settings(settings)

    async def save(self, key: str, source: IO[bytes], content_type: str) -> None:
        check_key(key)
        await asyncio.to_thread(self._upload, key, source, content_type)

    def _upload(self, key: str, source: IO[bytes], content_type: str) -> None:
        """One PUT for a small file; else a multipart upload reading one part at a time (boto3's
        managed transfer reads ahead and held ~120 MB more for a 1 GB upload)."""
        source.seek(0)
        chunk = source.read(PART_SIZE)
        if len(chunk) < PART_SIZE:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=chunk, ContentType=content_type)
            return
        upload_id = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType=content_type
        )["UploadId"]
        parts: list[CompletedPartTypeDef] = []
        try:
            while chunk:
                number = len(parts) + 1
                sent = self.client.upload_part(
                    Bucket=self.bucket, Key=key, PartNumber=number, UploadId=upload_id, Body=chunk
                )
                parts.append({"ETag": sent["ETag"], "PartNumber": number})
                chunk = source.read(PART_SIZE)
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise

    async def save_bytes(self, key: str, data: bytes, content_type: str) -> None:
        check_key(key)
        await asyncio.to_thread(
            self.client.put_object, Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
        )

    async def stat(self, key: str) -> FileInfo | None:
        check_key(key)
        try:
            head = await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        modified = head.get("LastModified")
        return FileInfo(
            int(head.get("ContentLength", 0)),
            modified.timestamp() if modified is not None else time.time(),
            str(head.get("ContentType") or "application/octet-stream"),
        )

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        check_key(key)
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if start or end is not None:
            args["Range"] = f"bytes={start}-{'' if end is None else end}"
        response = await asyncio.to_thread(lambda: self.client.get_object(**args))
        body = response["Body"]
        try:
            while True:
                chunk = await asyncio.to_thread(body.read, CHUNK)
                if not chunk:
                    break
                yield chunk
        finally:
            await asyncio.to_thread(body.close)

    async def delete(self, key: str) -> None:
        check_key(key)
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=key)

    def _keys(self, prefix: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    async def list_keys(self, prefix: str) -> list[str]:
        return await asyncio.to_thread(self._keys, check_key(prefix, prefix=True))

    async def delete_prefix(self, prefix: str) -> None:
        check_key(prefix, prefix=True)

        def run() -> None:
            keys = self._keys(prefix)
            for i in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000 keys
                batch = [{"Key": k} for k in keys[i : i + 1000]]
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

        await asyncio.to_thread(run)
