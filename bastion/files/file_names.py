"""Stored file names as PocketBase makes them: a snake_case base, a random 10-character suffix.

`report (final).PDF` becomes `report_final_x8k2m0q1za.PDF`; a base shorter than 3 characters
gets another random part, one longer than 100 is cut; an extension with nothing usable left is
replaced by the one the content implies. The result never contains a path separator or starts
with a dot, so it is safe as the last part of a storage key.
"""

from __future__ import annotations

import re
import secrets

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# Go's regexp `\w` is ASCII-only; so is ours (re.ASCII), so the same bytes survive.
_EXT_INVALID = re.compile(r"[^\w.*\-+=#]+", re.ASCII)
_WORD_SPLIT = re.compile(r"[\W_]+", re.ASCII)


def random_suffix(length: int = 10) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def extract_extension(name: str) -> str:
    """The last extension, or the last two (`.tar.gz`) when there are two dots."""
    primary = name.rfind(".")
    if primary == -1:
        return ""
    secondary = name.rfind(".", 0, primary)
    return name[secondary:] if secondary >= 0 else name[primary:]


def snakecase(text: str) -> str:
    out: list[str] = []
    for word in _WORD_SPLIT.split(text):
        if not word:
            continue
        if out:
            out.append("_")
        for i, ch in enumerate(word):
            if ch.isupper() and i > 0 and not word[i - 1].isupper():
                out.append("_")
            out.append(ch)
    return "".join(out).lower()


def stored_name(original: str, detected_ext: str = "") -> str:
    """The storage name for an upload called `original` (`detected_ext` from its content)."""
    raw = original.encode("utf-8", "surrogatepass")
    if len(raw) > 300:
        original = raw[-300:].decode("utf-8", "ignore")
    ext = extract_extension(original)
    clean_ext = "." + _EXT_INVALID.sub("", ext).strip(".")
    if clean_ext == ".":
        clean_ext = detected_ext
    if len(clean_ext) > 20:
        clean_ext = "." + clean_ext[-20:].strip(".")
    base = original[: len(original) - len(ext)] if ext else original
    clean = snakecase(base.strip("."))
    if len(clean) < 3:
        clean += random_suffix()
    elif len(clean) > 100:
        clean = clean[:100]
    return f"{clean}_{random_suffix()}{clean_ext}"
