"""The content type of a file from its first bytes, never from the client's word.

A small signature table covering what apps upload most (images, documents, media, archives,
text); anything unrecognised is `application/octet-stream`. Text types carry `charset=utf-8` as
PocketBase's detector reports them; comparisons against a field's `mimeTypes` ignore parameters.
"""

from __future__ import annotations

import json

SNIFF_BYTES = 3072
OCTET = "application/octet-stream"
TEXT = "text/plain; charset=utf-8"

_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x1a\x45\xdf\xa3", "video/webm"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "application/ogg"),
    (b"fLaC", "audio/flac"),
    (b"BM", "image/bmp"),
)

EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/tiff": ".tiff",
    "image/bmp": ".bmp",
    "image/x-icon": ".ico",
    "image/svg+xml": ".svg",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "application/gzip": ".gz",
    "application/x-7z-compressed": ".7z",
    "application/json": ".json",
    "application/ogg": ".ogg",
    "video/webm": ".webm",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "audio/flac": ".flac",
    "text/html": ".html",
    "text/xml": ".xml",
    "text/plain": ".txt",
}


def base_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def extension_for(content_type: str) -> str:
    return EXTENSIONS.get(base_type(content_type), "")


def sniff(head: bytes) -> str:
    for prefix, mime in _PREFIXES:
        if head.startswith(prefix):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " else "video/mp4"
    if head.startswith(b"\xff\xfb") or head.startswith(b"\xff\xf3"):
        return "audio/mpeg"
    return _sniff_text(head)


def _sniff_text(head: bytes) -> str:
    if not head or b"\x00" in head:
        return OCTET if head else TEXT
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed window is still text.
        if exc.start < len(head) - 3:
            return OCTET
        text = head[: exc.start].decode("utf-8")
    if any(ord(c) < 32 and c not in "\t\n\r\f\x1b" for c in text):
        return OCTET
    lead = text.lstrip("\ufeff \t\r\n").lower()
    if lead.startswith("<?xml"):
        return "image/svg+xml" if "<svg" in lead else "text/xml; charset=utf-8"
    if lead.startswith("<svg"):
        return "image/svg+xml"
    if lead.startswith(("<!doctype html", "<html", "<head", "<body")):
        return "text/html; charset=utf-8"
    if lead[:1] in ("{", "[") and len(head) < SNIFF_BYTES:
        try:
            json.loads(text)
            return "application/json"
        except ValueError:
            pass
    return TEXT


def matches(actual: str, allowed: list[str]) -> bool:
    base = base_type(actual)
    return any(base == base_type(a) for a in allowed)
