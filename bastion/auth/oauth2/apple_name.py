"""Apple's user name, which Apple sends only once: on the first sign-in, as the `user` JSON field
of the form it posts to the redirect URL (the id_token never carries it).

As PocketBase: `/api/oauth2-redirect` keeps the name for a minute under the authorization code,
and the `auth-with-oauth2` call that exchanges that code takes it as the user's name. The names
live in this process: with several workers, the redirect and the code exchange must reach the same
one for the name to arrive (the sign-in itself works either way).
"""

from __future__ import annotations

import json
import time

KEEP_SECONDS = 60.0
MAX_CODE = 1000
MAX_NAME = 150
_names: dict[str, tuple[float, str]] = {}


def remember(code: str, serialized_user: str) -> None:
    """Keep `{"name": {"firstName", "lastName"}}`'s full name for `code`; ignore anything else."""
    if not code or not serialized_user or len(code) > MAX_CODE:
        return
    try:
        data = json.loads(serialized_user)
    except ValueError:
        return
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, dict):
        return
    full = f"{name.get('firstName') or ''} {name.get('lastName') or ''}"[:MAX_NAME].strip()
    now = time.monotonic()
    for key in [k for k, (expires, _) in _names.items() if expires < now]:
        del _names[key]  # expired ones, so the dict cannot grow without bound
    if full:
        _names[code] = (now + KEEP_SECONDS, full)


def take(code: str) -> str:
    """The name kept for `code` ("" when none or expired); it can be taken once."""
    expires, name = _names.pop(code, (0.0, ""))
    return name if expires >= time.monotonic() else ""
