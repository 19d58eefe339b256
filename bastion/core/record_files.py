"""What record writes need of file storage, stated in core so that core never imports files/.

`RecordService` stores a record's new uploads before its row and removes replaced or deleted
files after commit; bastion.files.FileService is the implementation the App hands it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from bastion.core.fields.field_file import FileField, is_upload

if TYPE_CHECKING:
    from bastion.core.record_model import Record
    from bastion.store.database import Executor


class RecordFiles(Protocol):
    async def store_uploads(self, tx: Executor, record: Record) -> None:
        """Write the record's new uploads to storage; their values become the stored names."""

    def forget_after_commit(self, tx: Executor, collection_id: str, record_id: str, names: list[str]) -> None:
        """Delete these files of a record (and their thumbnails) once `tx` commits."""

    def forget_record_after_commit(self, tx: Executor, record: Record) -> None:
        """Delete a deleted record's whole folder once `tx` commits."""


def has_uploads(record: Record) -> bool:
    """Whether any file field of the record holds a new upload (not only stored names)."""
    return any(
        isinstance(f, FileField) and any(is_upload(v) for v in f.files(record.data.get(f.name)))
        for f in record.collection.fields
    )
