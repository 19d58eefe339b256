"""Short-lived file tokens for protected files (`POST /api/files/token`, then `?token=`).

PocketBase's shape: an HS256 JWT with `id`, `collectionId`, `type: "file"` and `exp`, signed with
the record's tokenKey plus the collection's `fileToken` secret (so a password change revokes
them too). Unlike auth tokens they carry no `refreshable` claim.
"""

from __future__ import annotations

import time
from typing import Any

import jwt

from bastion.auth.tokens import ALGORITHM, unverified_claims, verify_token
from bastion.core.record_query import find_by_id

FILE = "file"
DEFAULT_DURATION = 180


def issue_file_token(record: Any) -> str:
    collection = record.collection
    options = collection.options.get("fileToken", {})
    claims = {
        "collectionId": collection.id,
        "exp": int(time.time()) + int(options.get("duration") or DEFAULT_DURATION),
        "id": record.id,
        "type": FILE,
    }
    key = str(record.data.get("tokenKey", "")) + collection.token_secret("fileToken")
    return jwt.encode(claims, key, algorithm=ALGORITHM)


async def file_token_owner(db: Any, registry: Any, token: str) -> Any:
    """The auth record a valid, unexpired file token belongs to, else None."""
    claims = unverified_claims(token) if token else None
    if not claims or claims.get("type") != FILE:
        return None
    collection = registry.find_collection(str(claims.get("collectionId", "")))
    if collection is None or not collection.is_auth:
        return None
    record = await find_by_id(db, collection, str(claims.get("id", "")))
    if record is None:
        return None
    secret = collection.token_secret("fileToken")
    if verify_token(token, str(record.data.get("tokenKey", "")), secret, token_type=FILE) is None:
        return None
    return record
