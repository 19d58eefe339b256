"""Who an OAuth2 sign-in is: the linked record, the signed-in caller, a record with the verified
email, or a new record; then the `_externalAuths` link. PocketBase's oauth2Submit, step by step.

Pre-hijacking guards, as PocketBase: an unverified record found by email gets a random password
and loses its other provider links before it is linked, so someone who registered the address
first (without owning it) cannot keep access.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bastion.auth.oauth2.provider_presets import ExternalUser
from bastion.core.app_protocol import App
from bastion.core.collection_model import Collection
from bastion.core.ids import random_from_pattern
from bastion.core.record_access import Access
from bastion.core.record_model import Record
from bastion.core.record_query import find_by_id, find_where
from bastion.core.system_collections import SUPERUSERS_ID
from bastion.errors import BadRequestError, ValidationError
from bastion.store.row_select import rows_where

if TYPE_CHECKING:
    from bastion.core.app_protocol import App

EXTERNAL_AUTHS = "_externalAuths"


# Called once the sign-in knows its record (None: a new one), before the transaction, with the
# new record's fields to change in place: the API runs the hook files' OAuth2 hooks there.
BeforeLink = Callable[[Record | None, dict[str, Any]], Awaitable[None]]


@dataclass
class LoginResult:
    record: Record
    is_new: bool


def _root(app: App) -> Access:
    superusers = app.registry.find_collection(SUPERUSERS_ID)
    assert superusers is not None
    return Access(auth=Record(superusers, {"id": ""}), method="POST", context="oauth2")


async def find_link(
    app: App, collection: Collection, provider: str, provider_id: str
) -> dict[str, Any] | None:
    rows = await rows_where(
        app.db,
        EXTERNAL_AUTHS,
        ["id", "recordRef"],
        {"collectionRef": collection.id, "provider": provider, "providerId": provider_id},
        limit=1,
    )
    return rows[0] if rows else None


async def sign_in(
    app: App,
    collection: Collection,
    provider: str,
    user: ExternalUser,
    access: Access,
    create_data: dict[str, Any] | None,
    before_link: BeforeLink | None = None,
) -> LoginResult:
    link = await find_link(app, collection, provider, user.id)
    record: Record | None = None
    if link is not None:
        record = await find_by_id(app.db, collection, str(link["recordRef"]))
        if record is None:
            raise BadRequestError("Failed to authenticate.")
    elif access.auth is not None and access.auth.collection.id == collection.id:
        record = access.auth  # a signed-in caller links another provider to itself
    elif user.email:
        found = await find_where(app.db, collection, "email", user.email, limit=1)
        record = found[0] if found else None

    is_new = record is None
    create_data = dict(create_data or {})
    if before_link is not None:
        await before_link(record, create_data)
    async with app.transaction() as tx:
        if record is None:
            if collection.is_superusers:
                raise BadRequestError("Failed to authenticate.")
            record = await _create(app, tx, collection, user, access, create_data)
        else:
            if await _update_existing(app, tx, record, user, access):
                link = None  # its links were removed: link again below
        if link is None:
            links = app.registry.find_collection(EXTERNAL_AUTHS)
            assert links is not None  # a system collection, there from the first start
            await app.records.create(
                tx,
                links,
                {
                    "collectionRef": collection.id,
                    "recordRef": record.id,
                    "provider": provider,
                    "providerId": user.id,
                },
                _root(app),
            )
    fresh = await find_by_id(app.db, collection, record.id)
    assert fresh is not None
    return LoginResult(fresh, is_new)


async def _create(
    app: App,
    tx: Any,
    collection: Collection,
    user: ExternalUser,
    access: Access,
    create_data: dict[str, Any] | None,
) -> Record:
    payload = dict(create_data or {})
    if not isinstance(payload.get("email"), str) or not payload.get("email"):
        payload["email"] = user.email
    mapped = collection.options.get("oauth2", {}).get("mappedFields", {}) or {}
    for key, value in (("id", user.id), ("name", user.name)):
        target = mapped.get(key) or ""
        if target and target not in payload:
            payload[target] = value
    username_field = mapped.get("username") or ""
    # Only when free: PocketBase skips a taken username rather than failing the sign-in.
    if (
        username_field
        and username_field not in payload
        and user.username
        and collection.get_field(username_field) is not None
        and not await find_where(tx, collection, username_field, user.username, limit=1)
    ):
        payload[username_field] = user.username
    avatar_field = mapped.get("avatarURL") or ""
    target_field = collection.get_field(avatar_field) if avatar_field else None
    if (
        target_field is not None
        and target_field.type != "file"
        and avatar_field not in payload
        and user.avatar_url
    ):
        payload[avatar_field] = user.avatar_url  # (downloading into a file field is not done yet)
    if not payload.get("password"):
        payload["password"] = payload["passwordConfirm"] = random_from_pattern("[a-zA-Z0-9]{30}")
    create_access = Access(access.auth, "POST", access.query, access.headers, payload, "oauth2")
    try:
        record = await app.records.create(tx, collection, payload, create_access)
    except ValidationError as exc:
        raise ValidationError(exc.errors, "Failed to authenticate.") from None
    if record.data.get("email") == user.email and not record.data.get("verified"):
        await app.records.update(tx, collection, record.id, {"verified": True}, _root(app))
    return record


async def _update_existing(app: App, tx: Any, record: Record, user: ExternalUser, access: Access) -> bool:
    """Returns whether the record's previous provider links were dropped."""
    collection = record.collection
    changes: dict[str, Any] = {}
    signed_in_self = (
        access.auth is not None
        and access.auth.id == record.id
        and (access.auth.collection.id == collection.id)
    )
    verified = bool(record.data.get("verified"))
    if not signed_in_self and not verified:
        pw = random_from_pattern("[a-zA-Z0-9]{30}")
        changes["password"] = changes["passwordConfirm"] = pw
    unlinked = False
    if not verified:
        # Through the record service, so realtime subscribers to `_externalAuths` see it.
        links = app.registry.find_collection(EXTERNAL_AUTHS)
        assert links is not None
        for row in await find_where(tx, links, "recordRef", record.id):
            if row.data.get("collectionRef") == collection.id:
                await app.records.delete_record(tx, row)
        unlinked = True
    email = str(record.data.get("email") or "")
    if not email and user.email:
        changes["email"] = email = user.email
    if not verified and (not email or email == user.email):
        changes["verified"] = True
    if changes:
        await app.records.update(tx, collection, record.id, changes, _root(app))
    return unlinked
