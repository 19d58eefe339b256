"""Where a record's files meet storage: which backend, storing uploads, removing old files.

The order keeps storage and database consistent:
  * uploads are written to storage *before* the row (so a committed row never names a missing
    file); the keys are remembered on the transaction and deleted again if it rolls back;
  * replaced or removed files, and a deleted record's folder, are deleted only *after* commit
    (so a rolled-back update or delete still has its files).
`App.transaction()` calls `rollback()` on failure and `settle()` after commit, so a request's
answer is sent once its storage work is done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bastion.core.settings_sections import S3Settings, Settings
from bastion.files.storage_base import Storage, record_key, thumbs_prefix
from bastion.files.storage_local import LocalStorage

log = logging.getLogger("bastion.files")
_UPLOADED = "_bastion_uploaded_keys"


class FileService:
    def __init__(self, data_dir: Path, settings: Callable[[], Settings]) -> None:
        self.local = LocalStorage(Path(data_dir) / "storage")
        self._settings = settings
        self._s3: tuple[S3Settings, Storage] | None = None
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def storage(self) -> Storage:
        """Local storage, or S3 when the settings' `s3.enabled` is on (rebuilt when they change)."""
        s3 = self._settings().s3
        if not s3.enabled:
            return self.local
        if self._s3 is None or self._s3[0] != s3:
            from bastion.files.storage_s3 import S3Storage  # boto3 is slow to import; only when used

            self._s3 = (s3, S3Storage(s3))
        return self._s3[1]

    # ---- writes tied to a transaction -----------------------------------------------------------

    async def store_uploads(self, tx: Any, record: Any) -> None:
        """Write the record's new uploads to storage; their values become the stored names."""
        storage = self.storage
        for field in record.collection.fields:
            if field.type != "file":
                continue
            value = record.data.get(field.name)
            uploads = field.uploads(value)
            if not uploads:
                continue
            for upload in uploads:
                key = record_key(record.collection.id, record.id, upload.name)
                tx.__dict__.setdefault(_UPLOADED, []).append((storage, key))
                await storage.save(key, upload.file, upload.mime_type)
            names = field.names(value)
            record.data[field.name] = names if field.is_multiple else (names[-1] if names else "")

    def forget_after_commit(self, tx: Any, collection_id: str, record_id: str, names: list[str]) -> None:
        """Delete these files of a record (and their thumbnails) once `tx` commits."""
        if not names:
            return
        storage = self.storage

        async def run() -> None:
            for name in names:
                await storage.delete(record_key(collection_id, record_id, name))
                await storage.delete_prefix(thumbs_prefix(collection_id, record_id, name))

        tx.on_commit(lambda: self._spawn(run()))

    def forget_record_after_commit(self, tx: Any, record: Any) -> None:
        """Delete a deleted record's whole folder once `tx` commits."""
        if not any(f.type == "file" for f in record.collection.fields):
            return
        storage = self.storage
        prefix = f"{record.collection.id}/{record.id}/"
        tx.on_commit(lambda: self._spawn(storage.delete_prefix(prefix)))

    def forget_collection_after_commit(self, tx: Any, collection_id: str) -> None:
        storage = self.storage
        tx.on_commit(lambda: self._spawn(storage.delete_prefix(f"{collection_id}/")))

    async def rollback(self, tx: Any) -> None:
        """The transaction failed: remove what it uploaded."""
        for storage, key in tx.__dict__.pop(_UPLOADED, []):
            try:
                await storage.delete(key)
            except Exception:  # noqa: BLE001 - best effort; the row was never written
                log.warning("could not remove an orphaned upload", extra={"key": key}, exc_info=True)

    def committed(self, tx: Any) -> None:
        tx.__dict__.pop(_UPLOADED, None)

    # ---- background deletions -------------------------------------------------------------------

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(self._quietly(work))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    @staticmethod
    async def _quietly(work: Any) -> None:
        try:
            await work
        except Exception:  # noqa: BLE001 - a leftover file is logged, never a failed request
            log.warning("could not remove files after commit", exc_info=True)

    async def settle(self) -> None:
        """Wait for the deletions scheduled so far."""
        if self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def close(self) -> None:
        await self.settle()
        if self._s3 is not None:
            await self._s3[1].close()
            self._s3 = None
