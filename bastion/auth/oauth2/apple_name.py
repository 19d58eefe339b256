"""Apple's user name, which Apple sends only once: on the first sign-in, as the `user` JSON field
of the form it posts to the redirect URL (the id_token never carries it).

As PocketBase: `/api/oauth2-redirect` keeps the name for a minute under the authorization code,
and the `auth-with-oauth2` call that exchanges that code takes it as the user's name. The name
is kept in the App's ephemeral store (the database's, or Redis), so the redirect and the code
exchange may reach different workers or nodes; the key is a hash of the code, so its size does
not depend on what a client sends. A store that cannot answer loses the name, never the sign-in.
"""

from __future__ import annotations

import hashlib
import json
import logging

from bastion.store.ephemeral_base import EphemeralStore, StoreUnavailable

log = logging.getLogger("bastion.oauth2")

KEEP_SECONDS = 60.0
MAX_CODE = 1000
MAX_NAME = 150


def _key(code: str) -> str:
    return "oauth2|apple-name|" + hashlib.sha256(code.encode()).hexdigest()


def full_name(serialized_user: str) -> str:
    """`{"name": {"firstName", "lastName"}}`'s full name (at most MAX_NAME characters), else ""."""
    try:
        data = json.loads(serialized_user)
    except ValueError:
        return ""
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, dict):
        return ""
    return f"{name.get('firstName') or ''} {name.get('lastName') or ''}"[:MAX_NAME].strip()


async def remember(store: EphemeralStore, code: str, serialized_user: str) -> None:
    """Keep the name Apple posted for `code`; ignore anything that is not one."""
    if not code or not serialized_user or len(code) > MAX_CODE:
        return
    name = full_name(serialized_user)
    if not name:
        return
    try:
        await store.set(_key(code), name, KEEP_SECONDS)
    except StoreUnavailable as exc:
        log.warning("Apple's user name not kept: the ephemeral store is unavailable (%s)", exc)


async def take(store: EphemeralStore, code: str) -> str:
    """The name kept for `code` ("" when none or expired); it can be taken once."""
    if not code or len(code) > MAX_CODE:
        return ""
    try:
        return await store.take(_key(code)) or ""
    except StoreUnavailable as exc:
        log.warning("Apple's user name not read: the ephemeral store is unavailable (%s)", exc)
        return ""
