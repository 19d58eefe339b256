"""The file field, definition and value rules only (storage lives in bastion/files).

A value holds stored file names (str) and, before a save, uploads: any object with `name`
(the generated storage name), `original_name`, `size` and optionally `mime_type`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from bastion.core.fields import field_rules as rules
from bastion.core.fields.field_base import Field, fail, original_value, required_error
from bastion.core.fields.field_cast import to_unique_strings
from bastion.core.fields.field_multi import MultiValueMixin, modifier_kind

DEFAULT_FILE_MAX_SIZE = 5 << 20
MAX_IMAGE_PIXELS = 80_000_000
THUMB_SIZE_RE = re.compile(r"^(\d+)x(\d+)(t|b|f)?$")
_LOOSE_FILENAME_RE = re.compile(r"^[^./\\][^/\\]+$")
_ZERO_THUMBS = ("0x0", "0x0t", "0x0b", "0x0f")


class UploadedFile(Protocol):
    name: str
    original_name: str
    size: int


def is_upload(value: Any) -> bool:
    return not isinstance(value, str) and hasattr(value, "name") and hasattr(value, "size")


def file_name(value: Any) -> str:
    return value if isinstance(value, str) else str(getattr(value, "name", ""))


def _to_files(raw: Any) -> list[Any]:
    if raw is None:
        return []
    if is_upload(raw):
        items: list[Any] = [raw]
    elif isinstance(raw, list | tuple):
        items = []
        for item in raw:
            one = _to_files(item)
            if len(one) == 1:
                items.append(one[0])
    else:
        items = list(to_unique_strings(raw))
    seen: set[str] = set()
    out = []
    for item in items:
        name = file_name(item)
        if name not in seen:
            seen.add(name)
            out.append(item)
    return out


def _mime_matches(actual: str, allowed: list[str]) -> bool:
    base = actual.split(";")[0].strip().lower()
    return any(base == a.split(";")[0].strip().lower() for a in allowed)


@dataclass(kw_only=True)
class FileField(MultiValueMixin, Field):
    type = "file"
    OPTIONS = (
        ("maxSelect", "max_select", "int"),
        ("maxSize", "max_size", "int"),
        ("mimeTypes", "mime_types", "strlist"),
        ("protected", "protected", "bool"),
        ("thumbs", "thumbs", "strlist"),
    )

    max_select: int = 0
    max_size: int = 0
    mime_types: list[str] = field(default_factory=list)
    thumbs: list[str] = field(default_factory=list)
    protected: bool = False

    def files(self, value: Any) -> list[Any]:
        """The value as a list of names and uploads (unique by name)."""
        return _to_files(value)

    def names(self, value: Any) -> list[str]:
        return [file_name(f) for f in _to_files(value)]

    def uploads(self, value: Any) -> list[Any]:
        return [f for f in _to_files(value) if is_upload(f)]

    def normalize(self, raw: Any) -> Any:
        files = _to_files(raw)
        if self.is_multiple:
            return files
        return files[-1] if files else ""

    def apply_modifier(self, op: str, current: Any, arg: Any) -> Any:
        kind = modifier_kind(self, op)
        have, given = _to_files(current), _to_files(arg)
        if kind == "append":
            return self.normalize(have + given)
        if kind == "prepend":
            return self.normalize(given + have)
        removed = {file_name(g) for g in given}
        return self.normalize([f for f in have if file_name(f) not in removed])

    @property
    def effective_max_size(self) -> int:
        return self.max_size if self.max_size > 0 else DEFAULT_FILE_MAX_SIZE

    @property
    def effective_max_select(self) -> int:
        return max(self.max_select, 1)

    def max_body_size(self) -> int:
        return self.effective_max_size * self.effective_max_select

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        files = _to_files(value)
        if not files:
            if self.required:
                raise required_error()
            return
        if ctx is not None:
            # Plain names may only refer to files the record already had; new ones are uploads.
            old = set(self.names(original_value(ctx, self.name)))
            invalid = [f[:250] for f in files if isinstance(f, str) and f not in old]
            if invalid:
                raise fail(
                    "validation_invalid_file",
                    "Invalid new files: {{.invalidFiles}}.",
                    {"invalidFiles": invalid},
                )
        if len(files) > self.effective_max_select:
            raise fail(
                "validation_too_many_files",
                "The maximum allowed files is {{.maxSelect}}",
                {"maxSelect": self.effective_max_select},
            )
        for upload in (f for f in files if is_upload(f)):
            self._validate_upload(upload)

    def _validate_upload(self, upload: Any) -> None:
        name = file_name(upload)
        length = rules.length_rule(name, 1, 150)
        if length is not None:
            raise fail(length["code"], length["message"], length.get("params"))
        if not _LOOSE_FILENAME_RE.match(name):
            raise fail("validation_match_invalid", "must be in a valid format")
        original = str(getattr(upload, "original_name", "") or name)[:300]
        if int(getattr(upload, "size", 0)) > self.effective_max_size:
            raise fail(
                "validation_file_size_limit",
                "Failed to upload {{.file}} - the maximum allowed file size is {{.maxSize}} bytes.",
                {"file": original, "maxSize": self.effective_max_size},
            )
        pixels = int(getattr(upload, "pixels", 0) or 0)
        if pixels > MAX_IMAGE_PIXELS:
            # Not in PocketBase: an image this large is refused up front (a decompression bomb
            # would exhaust memory when thumbnailed).
            raise fail(
                "validation_image_too_large",
                "Failed to upload {{.file}} - the image is larger than {{.maxPixels}} pixels.",
                {"file": original, "maxPixels": MAX_IMAGE_PIXELS},
            )
        mime = getattr(upload, "mime_type", None)
        if self.mime_types and mime is not None and not _mime_matches(str(mime), self.mime_types):
            raise fail(
                "validation_invalid_mime_type",
                f"{json.dumps(name)} mime type must be one of: {', '.join(self.mime_types)}.",
            )

    def to_db(self, value: Any, dialect: str) -> Any:
        names = self.names(value)
        if self.is_multiple:
            return json.dumps(names, ensure_ascii=False, separators=(",", ":"))
        return names[-1] if names else ""

    def to_api(self, value: Any) -> Any:
        names = self.names(value)
        if self.is_multiple:
            return names
        return names[-1] if names else ""

    def _validate_options(self, ctx: Any) -> dict[str, Any]:
        thumbs = {}
        for i, thumb in enumerate(self.thumbs):
            if thumb in _ZERO_THUMBS:
                thumbs[str(i)] = rules.error("validation_not_in_invalid", "must not be in list")
            elif thumb and not THUMB_SIZE_RE.match(thumb):
                thumbs[str(i)] = rules.error("validation_match_invalid", "must be in a valid format")
        return rules.collect(
            maxSelect=rules.first(
                rules.min_rule(self.max_select, 0), rules.max_rule(self.max_select, rules.MAX_SAFE_JSON_INT)
            ),
            maxSize=rules.first(
                rules.min_rule(self.max_size, 0), rules.max_rule(self.max_size, rules.MAX_SAFE_JSON_INT)
            ),
            thumbs=thumbs or None,
        )
