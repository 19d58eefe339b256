"""An uploaded file between the request body and storage.

Multipart parts arrive as starlette UploadFiles, spooled to a temporary file past 1 MB, so a
large upload never sits in memory. `Upload` adds what the record layer needs: the sanitised
storage `name`, the client's `original_name`, the `size` and the `mime_type` read from the
content. The file field validates these; FileService copies `file` to storage.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import IO, Any

from bastion.files import file_mime
from bastion.files.file_names import stored_name
from bastion.files.file_thumbs import image_pixels


@dataclass(eq=False)
class Upload:
    name: str
    original_name: str
    size: int
    mime_type: str
    file: IO[bytes] = field(repr=False)
    pixels: int = 0  # width × height declared by an image's header, else 0

    def __hash__(self) -> int:
        return id(self)

    @classmethod
    def from_file(cls, file: IO[bytes], original_name: str, size: int | None = None) -> Upload:
        file.seek(0)
        head = file.read(file_mime.SNIFF_BYTES)
        if size is None:
            file.seek(0, os.SEEK_END)
            size = file.tell()
        file.seek(0)
        mime = file_mime.sniff(head)
        pixels = 0
        if mime.startswith("image/") and mime != "image/svg+xml":
            pixels = image_pixels(file)
            file.seek(0)
        name = stored_name(original_name or "file", file_mime.extension_for(mime))
        return cls(name, original_name, size, mime, file, pixels)

    @classmethod
    def from_starlette(cls, part: Any) -> Upload:
        # Only the last path segment counts, as Go's multipart reader gives it to PocketBase.
        raw = str(part.filename or "").rstrip("/")
        return cls.from_file(part.file, raw.rsplit("/", 1)[-1], getattr(part, "size", None))
