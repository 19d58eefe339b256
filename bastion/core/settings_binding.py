"""A PATCH body (or a stored document) applied to the settings the way PocketBase binds it.

Checked on the binary: objects merge into the current values, key names match ignoring case, "_"
and "-", unknown keys are ignored, `null` resets a value to its zero value ("", 0, false, [] or an
all-zero section), arrays are replaced whole with fresh elements, and a value of the wrong type (a
string for a number, 25.0 for an integer, a number past int64 ...) or two keys naming the same
field is a 400 "An error occurred while loading the submitted data.".

The merge works on plain JSON values, driven by the sections' declared shape (msgspec.inspect);
the merged document is then converted with `msgspec.convert(strict=True)`, which is what refuses
wrong types. Secrets (smtp.password, s3.secret, backups.s3.secret) are never returned: a client
that sends the GET body back leaves them as they are (the keys are absent); sending one
explicitly as "" or null clears it, as PocketBase does.
"""

from __future__ import annotations

import functools
from typing import Any

import msgspec
import msgspec.inspect as mi

from bastion.core.settings_sections import Settings
from bastion.errors import BadRequestError, InternalError

__all__ = ["LOAD_ERROR", "SAVE_ERROR", "bind_settings", "masked"]

LOAD_ERROR = "An error occurred while loading the submitted data."
SAVE_ERROR = "An error occurred while saving the new settings."

_SECRETS = (("smtp", "password"), ("s3", "secret"), ("backups", "s3", "secret"))


def bind_settings(current: Settings, patch: Any) -> Settings:
    """`current` with the decoded body `patch` applied (`current` is left as it is).

    Raises BadRequestError(LOAD_ERROR) for a body PocketBase cannot bind; a JSON `null` body is a
    500 in PocketBase, so it is an InternalError here."""
    if patch is None:
        raise InternalError()
    merged = _merge(_shape(Settings), msgspec.to_builtins(current), patch)
    try:
        return msgspec.convert(merged, Settings, strict=True)
    except msgspec.ValidationError:
        raise BadRequestError(LOAD_ERROR) from None


def masked(settings: Settings) -> dict[str, Any]:
    """The document as GET /api/settings returns it: the secret keys are left out entirely."""
    out: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(settings))  # plain dicts and lists
    for path in _SECRETS:
        parent = out
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
    return out


@functools.cache
def _shape(cls: type) -> mi.Type:
    return mi.type_info(cls)


def _fold(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _zero(t: mi.Type) -> Any:
    """Go's zero value for the type: what a JSON null leaves behind."""
    if isinstance(t, mi.StructType):
        return {f.encode_name: _zero(f.type) for f in t.fields}
    if isinstance(t, mi.StrType):
        return ""
    if isinstance(t, mi.BoolType):
        return False
    if isinstance(t, mi.IntType):
        return 0
    return []


def _merge(t: mi.Type, current: Any, value: Any) -> Any:
    """`value` bound over `current` (both plain JSON values); a mismatched type is left in place
    for msgspec.convert to refuse."""
    if value is None:
        return _zero(t)
    if isinstance(t, mi.StructType):
        if not isinstance(value, dict):
            return value
        out = dict(current) if isinstance(current, dict) else _zero(t)
        names = {_fold(f.encode_name): f for f in t.fields}
        seen: set[str] = set()
        for key, item in value.items():
            field = names.get(_fold(key))
            if field is None:
                continue  # unknown keys are ignored
            if field.encode_name in seen:
                raise BadRequestError(LOAD_ERROR)
            seen.add(field.encode_name)
            out[field.encode_name] = _merge(field.type, out.get(field.encode_name), item)
        return out
    if isinstance(t, mi.VarTupleType | mi.ListType):
        if not isinstance(value, list):
            return value
        return [_merge(t.item_type, None, item) for item in value]  # every element starts from zero
    return value
