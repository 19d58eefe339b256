"""Who a token belongs to: the auth record behind an `Authorization` header.

The API handlers, the rate limiter and the request log all need it; it lives here, below the
HTTP layer, so none of them reach into another's module for it.
"""

from __future__ import annotations

from bastion.auth.tokens import unverified_claims, verify_token
from bastion.core.app_protocol import App
from bastion.core.collection_model import Collection
from bastion.core.record_model import Record, snapshot
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
    record = await _auth_record(app, collection, str(claims.get("id", "")))
    if record is None:
        return None
    if (
        verify_token(token, str(record.data.get("tokenKey", "")), collection.token_secret("authToken"))
        is None
    ):
        return None
    return record


async def _auth_record(app: App, collection: Collection, record_id: str) -> Record | None:
    """The record, read again only once it may have changed (SQLite: any commit, store/
    read_cache.py; PostgreSQL: a write to an auth record, store/auth_version.py): a signed-in
    client's every request needs it. A copy each time: callers may change theirs."""
    version = await app.db.auth_records_version(collection.id, collection.updated, collection.name)
    if version is None:
        return await find_by_id(app.db, collection, record_id)
    # the collection's `updated` is in the key: a schema change reshapes its records
    key = ("auth record", collection.id, collection.updated, record_id)
    kept: Record | None = app.db.recall(key, version)
    if kept is None:
        kept = await find_by_id(app.db, collection, record_id)
        if kept is None:
            return None
        app.db.keep(key, version, kept)
    return snapshot(kept)
