"""Backup file names as PocketBase gives and accepts them (core/base_backup.go, apis/backup_create.go).

A generated name is `{prefix}{snake_case(appName)[:50]}_{YYYYMMDDHHMMSS}.zip` in UTC:
`pb_backup_acme_20260102030405.zip` for `POST /api/backups` without a name,
`@auto_pb_backup_acme_…` for the cron's (the `@` keeps them apart from any name a client may
choose, which must match `^[a-z0-9_-]+\\.zip$`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

MANUAL_PREFIX = "pb_backup_"
AUTO_PREFIX = "@auto_pb_backup_"
MAX_NAME_LENGTH = 150

NAME_PATTERN = re.compile(r"^[a-z0-9_-]+\.zip$")
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+")  # Go's `[\W_]+`: ASCII only


def snake_case(text: str) -> str:
    """PocketBase's inflector.Snakecase: words split at non-word characters, `_` before an upper
    case letter that follows a lower case one, all lower case."""
    words = []
    for word in _WORD_SPLIT.split(text):
        if not word:
            continue
        out = []
        for i, ch in enumerate(word):
            if ch.isupper() and i > 0 and not word[i - 1].isupper():
                out.append("_")
            out.append(ch)
        words.append("".join(out))
    return "_".join(words).lower()


def generate_name(prefix: str, app_name: str, now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{prefix}{snake_case(app_name)[:50]}_{moment:%Y%m%d%H%M%S}.zip"


def is_plain_key(key: str) -> bool:
    """A name that can only mean a file directly in the backups folder (no path, not hidden)."""
    return bool(key) and "/" not in key and "\\" not in key and not key.startswith(".") and "\x00" not in key
