"""Uploaded files: storage backends (local disk, S3), names, content sniffing, thumbnails, tokens.

No HTTP here; bastion/api/files.py serves files and bastion/core/record_service.py stores a
record's uploads through `FileService`.
"""

from bastion.files.file_service import FileService
from bastion.files.file_upload import Upload

__all__ = ["FileService", "Upload"]
