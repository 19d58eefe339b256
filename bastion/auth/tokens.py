"""PocketBase-format JWTs: HS256, signed with the record's tokenKey + the collection's secret.

Because the key includes the record's `tokenKey`, rotating it (on a password or email change)
invalidates every token issued before. Claims: id, collectionId, type, exp, refreshable.
"""

from __future__ import annotations

import time
from typing import Any

import jwt

ALGORITHM = "HS256"
AUTH = "auth"


def _key(token_key: str, secret: str) -> str:
    return token_key + secret


def issue_token(
    record_id: str,
    collection_id: str,
    token_key: str,
    secret: str,
    duration: int,
    *,
    token_type: str = AUTH,
    refreshable: bool = True,
    extra: dict[str, Any] | None = None,
) -> str:
    claims: dict[str, Any] = {
        "collectionId": collection_id,
        "exp": int(time.time()) + int(duration),
        "id": record_id,
        "refreshable": refreshable,
        "type": token_type,
    }
    if extra:
        claims.update(extra)
    return jwt.encode(claims, _key(token_key, secret), algorithm=ALGORITHM)


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The claims before any check, to find whose key verifies the token (None if malformed)."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            return None  # refuses `none` and every other algorithm up front
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


def verify_token(token: str, token_key: str, secret: str, token_type: str = AUTH) -> dict[str, Any] | None:
    try:
        claims = jwt.decode(
            token, _key(token_key, secret), algorithms=[ALGORITHM], options={"require": ["exp", "id", "type"]}
        )
    except jwt.PyJWTError:
        return None
    if claims.get("type") != token_type:
        return None
    return claims
