"""A record as the API returns it, for one caller.

PocketBase returns record keys in alphabetical order (a Go map), `collectionId`/`collectionName`
added, hidden fields only for superusers, and an auth record's `email` only when
`emailVisibility` is on, or to the record itself, a superuser, or a manager. A password-type
field is a key like any other, always `""` (never the hash); an auth record's own `password` and
`tokenKey` never appear, not even for superusers.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import Any

from bastion.core.collection_model import Collection
from bastion.core.fields import Field
from bastion.core.record_access import Access
from bastion.core.record_model import Record

_NEVER_EXPORTED = ("password", "tokenKey")
_ABSENT = object()


_CONSTANTS = ("collectionId", "collectionName")
# An export plan: the keys of an exported record in the order they are returned, each with its
# field (None for the two constants) and the field's to_api (None where it returns its input).
_Plan = tuple[tuple[str, Field | None, Callable[[Any], Any] | None], ...]


def _export_plan(collection: Collection, show_hidden: bool) -> _Plan:
    shown = {
        f.name: f
        for f in collection.fields
        if (show_hidden or not f.hidden) and not (collection.is_auth and f.name in _NEVER_EXPORTED)
    }
    keys = sorted({*shown, *_CONSTANTS})  # a field named like a constant is what its key holds
    plan = []
    for key in keys:
        f = shown.get(key)
        to_api = None if f is None or type(f).to_api is Field.to_api else f.to_api
        plan.append((key, f, to_api))
    return tuple(plan)


def _plan_for_all(collection: Collection) -> _Plan:
    return _export_plan(collection, True)


def _plan_for_others(collection: Collection) -> _Plan:
    return _export_plan(collection, False)


def export_record(
    record: Record, access: Access, *, can_manage: bool = False, managed: Container[tuple[str, str]] = ()
) -> dict[str, Any]:
    """`can_manage`: the caller manages `record`; `managed`: the (collection id, record id)
    pairs it manages among `record` and its expansions (core/record_email_visibility.py)."""
    collection = record.collection
    show_hidden = access.is_superuser
    plan = collection.derived(("export", show_hidden), _plan_for_all if show_hidden else _plan_for_others)
    data = record.data
    out: dict[str, Any] = {}
    # runs for every record listed: built in the returned (alphabetical) order, nothing to sort
    for name, f, to_api in plan:
        if f is None:
            out[name] = collection.id if name == "collectionId" else collection.name
            continue
        value = data.get(name, _ABSENT)
        if value is _ABSENT:
            value = f.zero_value()  # password fields: ""
        out[name] = value if to_api is None else to_api(value)
    if collection.is_auth and not out.get("emailVisibility"):
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
    return out
