"""Serving a stored file over HTTP: headers as PocketBase sends them, conditional and range
requests, and a streamed body (never the whole file in memory).

Beyond PocketBase: an `ETag` (files never change under a name, so size + mtime identify the
content) answered with 304 like `If-Modified-Since`, and `private, no-cache` for protected files
so that no shared cache keeps a copy obtained with someone's file token.
"""

from __future__ import annotations

import hashlib
import re
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from starlette.responses import Response, StreamingResponse

from bastion.files import file_mime
from bastion.files.storage_base import FileInfo, Storage

INLINE_TYPES = frozenset(
    {
        "image/png", "image/jpg", "image/jpeg", "image/gif", "image/webp", "image/x-icon", "image/bmp",
        "video/webm", "video/mp4", "video/3gpp", "video/quicktime", "video/x-ms-wmv",
        "audio/basic", "audio/aiff", "audio/mpeg", "audio/midi", "audio/mp3", "audio/wave",
        "audio/wav", "audio/x-wav", "audio/x-mpeg", "audio/x-m4a", "audio/aac",
        "application/pdf", "application/x-pdf",
    }
)  # fmt: skip
# Served with a type the browser can use even though content sniffing names it differently.
EXTENSION_TYPES = {
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
CSP = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
PUBLIC_CACHE = "max-age=2592000, stale-while-revalidate=86400"
PRIVATE_CACHE = "private, no-cache"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_TRUE = ("1", "t", "true", "TRUE", "True", "T")


def etag_of(key: str, info: FileInfo) -> str:
    digest = hashlib.blake2b(f"{key}:{info.size}:{info.modified}".encode(), digest_size=10).hexdigest()
    return f'"{digest}"'


def file_headers(key: str, name: str, info: FileInfo, *, download: bool, protected: bool) -> dict[str, str]:
    real = file_mime.base_type(info.content_type)
    disposition = "inline" if real in INLINE_TYPES and not download else "attachment"
    ext = "." + key.rsplit(".", 1)[-1].lower() if "." in key.rsplit("/", 1)[-1] else ""
    safe_name = name.replace('"', "").replace("\\", "")
    return {
        "accept-ranges": "bytes",
        "cache-control": PRIVATE_CACHE if protected else PUBLIC_CACHE,
        "content-disposition": f'{disposition}; filename="{safe_name}"',
        "content-security-policy": CSP,
        "content-type": EXTENSION_TYPES.get(ext, info.content_type),
        "etag": etag_of(key, info),
        "last-modified": formatdate(int(info.modified), usegmt=True),
        "x-content-type-options": "nosniff",
    }


def _not_modified(request_headers: Any, etag: str, modified: float) -> bool:
    inm = request_headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag in tags
    ims = request_headers.get("if-modified-since")
    if ims:
        try:
            return int(modified) <= parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
    return False


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """(start, end) inclusive; None to send everything; "unsatisfiable" for a 416."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        return None  # unsupported or several ranges: the whole file is a valid answer
    first, last = match.group(1), match.group(2)
    if not first:
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return (max(0, size - length), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return (start, end)


def serve(
    request: Any, storage: Storage, key: str, name: str, info: FileInfo, *, protected: bool
) -> Response:
    download = request.query_params.get("download", "") in _TRUE
    headers = file_headers(key, name, info, download=download, protected=protected)
    if _not_modified(request.headers, headers["etag"], info.modified):
        for drop in ("content-type", "accept-ranges"):
            headers.pop(drop)
        return Response(status_code=304, headers=headers)
    wanted = parse_range(request.headers.get("range"), info.size)
    if_range = request.headers.get("if-range")
    if wanted is not None and if_range and if_range not in (headers["etag"], headers["last-modified"]):
        wanted = None
    if wanted == "unsatisfiable":
        return Response(
            "invalid range: failed to overlap\n",
            status_code=416,
            headers={"content-range": f"bytes */{info.size}", "content-type": "text/plain; charset=utf-8"},
        )
    status, start, end = 200, 0, info.size - 1
    if isinstance(wanted, tuple):
        status, (start, end) = 206, wanted
        headers["content-range"] = f"bytes {start}-{end}/{info.size}"
    headers["content-length"] = str(max(0, end - start + 1))
    if request.method == "HEAD" or info.size == 0:
        return Response(b"", status_code=status, headers=headers)
    return StreamingResponse(storage.read(key, start, end), status_code=status, headers=headers)
