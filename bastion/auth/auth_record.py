"""Who a token belongs to: the auth record behind an `Authorization` header.

The API handlers, the rate limiter and the request log all need it; it lives here, below the
HTTP layer, so none of them reach into another's module for it.
"""

from __future__ import annotations

from bastion.auth.tokens import unverified_claims, verify_token
from bastion.core.app_protocol import App
from bastion.core.record_model import Record
from bastion.core.record_query import find_by_id


def bearer_value(authorization: str) -> str:
    """The token in an `Authorization` header value (PocketBase accepts it with or without
    the `Bearer ` prefix)."""
    if authorization[:7].lower() == "bearer ":
        authorization = authorization[7:]
    return authorization.strip()


async def auth_record_for_token(app: App, token: str) -> Record | None:
    """The auth record a token belongs to, or None for a missing/invalid/expired token."""
    if not token:
        return None
    claims = unverified_claims(token)
    if not claims or claims.get("type") != "auth":
        return None
    collection = app.registry.find_collection(str(claims.get("collectionId", "")))
    if collection is None or not collection.is_auth:
        return None
    record = await find_by_id(app.db, collection, str(claims.get("id", "")))
    if record is None:
        return None
    if (
        verify_token(token, str(record.data.get("tokenKey", "")), collection.token_secret("authToken"))
        is None
    ):
        return None
    return record
