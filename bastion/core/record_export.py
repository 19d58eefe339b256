"""A record as the API returns it, for one caller.

PocketBase returns record keys in alphabetical order (a Go map), `collectionId`/`collectionName`
added, hidden fields only for superusers, and an auth record's `email` only when
`emailVisibility` is on, or to the record itself, a superuser, or a manager. A password-type
field is a key like any other, always `""` (never the hash); an auth record's own `password` and
`tokenKey` never appear, not even for superusers.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from bastion.core.record_access import Access
from bastion.core.record_model import Record

_NEVER_EXPORTED = ("password", "tokenKey")
_ABSENT = object()


def export_record(
    record: Record, access: Access, *, can_manage: bool = False, managed: Container[tuple[str, str]] = ()
) -> dict[str, Any]:
    """`can_manage`: the caller manages `record`; `managed`: the (collection id, record id)
    pairs it manages among `record` and its expansions (core/record_email_visibility.py)."""
    collection = record.collection
    show_hidden = access.is_superuser
    is_auth = collection.is_auth
    data = record.data
    out: dict[str, Any] = {"collectionId": collection.id, "collectionName": collection.name}
    for f in collection.fields:  # runs for every field of every record listed: kept lean
        name = f.name
        if f.hidden and not show_hidden:
            continue
        if is_auth and name in _NEVER_EXPORTED:
            continue
        value = data.get(name, _ABSENT)
        out[name] = f.to_api(f.zero_value() if value is _ABSENT else value)  # password fields: ""
    if is_auth and not out.get("emailVisibility"):
        is_self = (
            access.auth is not None
            and access.auth.collection.id == collection.id
            and access.auth.id == record.id
        )
        manager = can_manage or (collection.id, record.id) in managed
        if not (show_hidden or is_self or manager):
            out.pop("email", None)
    if record.expand or record.expand_applied:
        out["expand"] = {
            key: [export_record(r, access, managed=managed) for r in value]
            if isinstance(value, list)
            else export_record(value, access, managed=managed)
            for key, value in record.expand.items()
        }
    return dict(sorted(out.items()))
