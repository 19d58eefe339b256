"""PocketBase-format JWTs: HS256, signed with the record's tokenKey + the collection's secret.

Because the key includes the record's `tokenKey`, rotating it (on a password or email change)
invalidates every token issued before. Claims: id, collectionId, type, exp, refreshable.
"""

from __future__ import annotations

import functools
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
    claims = _parse_unverified(token)
    return dict(claims) if claims is not None else None


@functools.lru_cache(maxsize=4096)
def _parse_unverified(token: str) -> dict[str, Any] | None:
    # Parsing is pure, and every authenticated request parses its token: cache by the token text.
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            return None  # refuses `none` and every other algorithm up front
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims  # a JSON object: PyJWT refuses any other payload with DecodeError


def verify_token(
    token: str, token_key: str, secret: str, token_type: str = AUTH, *, now: float | None = None
) -> dict[str, Any] | None:
    """The claims of a valid, unexpired token of `token_type`, else None; `now` (seconds since
    the epoch) is the current time unless given."""
    claims = _verified_signature(token, _key(token_key, secret))
    # The signature check is cached; expiry depends on the clock, so it is checked every time.
    if claims is None or claims.get("type") != token_type:
        return None
    if not _unexpired(claims, time.time() if now is None else now):
        return None
    return dict(claims)


@functools.lru_cache(maxsize=4096)
def _verified_signature(token: str, key: str) -> dict[str, Any] | None:
    """Claims of a token whose signature `key` verifies (expiry not checked here)."""
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "id", "type"], "verify_exp": False},
        )
    except jwt.PyJWTError:
        return None


def _unexpired(claims: dict[str, Any], now: float) -> bool:
    exp = claims.get("exp")
    return isinstance(exp, (int, float)) and exp > now
