"""OpenAPI schemas of one collection's records: each field typed as PocketBase answers and takes it.

Three schemas per collection: the record as answered (hidden and password fields left out, as the
API never returns them), and the create and update bodies (what a client may send: autodate fields
and the auth collection's tokenKey are the server's own, so they are left out). Options map onto
JSON Schema keywords where they say the same thing (min/max length, pattern, enum, maxItems); the
Go regular expressions of `pattern` are kept as written (RE2 and ECMA-262 agree on common ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bastion.core.collection_model import Collection
from bastion.core.fields import Field
from bastion.core.fields.field_text import DEFAULT_TEXT_MAX

Schema = dict[str, Any]

DATE_DESCRIPTION = (
    "PocketBase's UTC datetime text, `YYYY-MM-DD HH:MM:SS.sssZ` (a space where RFC 3339 has `T`); "
    '"" when unset.'
)
# Not RFC 3339 (JSON Schema's `date-time` format would refuse every answered date): a pattern.
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$"
DATE_SENT_DESCRIPTION = (
    "A date: RFC 3339 (`2024-05-01T10:00:00Z`), PocketBase's `2024-05-01 10:00:00.000Z`, or a day "
    '(`2024-05-01`); "" unsets it.'
)
# An optional field left unset holds its type's zero value, which its own limits (a minimum, a
# pattern, an e-mail's format) do not apply to, as PocketBase validates them only on a value set.
_ZERO = {"text": "", "password": "", "email": "", "url": "", "date": "", "editor": "", "number": 0}
_SERVER_SET = ("autodate",)  # never taken from a request body
_AUTH_SERVER_SET = ("tokenKey",)


def _text(field: Field, max_default: int) -> Schema:
    schema: Schema = {"type": "string"}
    low, high = getattr(field, "min", 0), getattr(field, "max", 0) or max_default
    if low:
        schema["minLength"] = low
    if high:
        schema["maxLength"] = high
    if pattern := getattr(field, "pattern", ""):
        schema["pattern"] = pattern
    return schema


def _number(field: Field) -> Schema:
    schema: Schema = {"type": "integer" if getattr(field, "only_int", False) else "number"}
    if (low := getattr(field, "min", None)) is not None:
        schema["minimum"] = low
    if (high := getattr(field, "max", None)) is not None:
        schema["maximum"] = high
    return schema


def _many(field: Field, item: Schema) -> Schema:
    """One value, or with maxSelect > 1 an array of at most maxSelect of them."""
    if not field.is_multiple:
        return item
    return {"type": "array", "items": item, "maxItems": getattr(field, "max_select", 0)}


def _select(field: Field, answered: bool) -> Schema:
    values = list(getattr(field, "values", []))
    if not field.is_multiple and answered and not field.required:
        values.append("")  # an unset single select is answered as ""
    return _many(field, {"type": "string", "enum": values})


def value_schema(
    field: Field, answered: bool = True, upload: bool = False, names: Mapping[str, str] | None = None
) -> Schema:
    """The schema of `field`'s value: as answered, or (answered=False) as sent; `upload` types a
    file field's items as binary (a multipart body) instead of file names; `names` (collection
    names by id) names a relation's target."""
    kind = field.type
    if kind in ("text", "password"):
        schema = _text(field, DEFAULT_TEXT_MAX if kind == "text" else 0)
    elif kind == "editor":
        schema = {"type": "string", "description": "HTML text."}
    elif kind == "email":
        schema = {"type": "string", "format": "email"}
    elif kind == "url":
        schema = {"type": "string", "format": "uri"}
    elif kind == "number":
        schema = _number(field)
    elif kind == "bool":
        schema = {"type": "boolean"}
    elif kind in ("date", "autodate"):
        if answered:
            schema = {"type": "string", "pattern": DATE_PATTERN, "description": DATE_DESCRIPTION}
        else:
            schema = {"type": "string", "description": DATE_SENT_DESCRIPTION}
    elif kind == "select":
        schema = _select(field, answered)
    elif kind == "relation":
        # a collection the caller's document leaves out is not named either
        target = (names or {}).get(field.collection_id)
        text = f"The id of a {target} record." if target else "The id of a record of another collection."
        item = {"type": "string", "description": text}
        schema = _many(field, item)
    elif kind == "file":
        item = {"type": "string", "format": "binary"} if upload else {"type": "string"}
        schema = _many(field, item)
        schema.setdefault("description", "File name(s); download from /api/files/{collection}/{id}/{name}.")
    elif kind == "geoPoint":
        schema = {
            "type": "object",
            "properties": {"lon": {"type": "number"}, "lat": {"type": "number"}},
            "required": ["lon", "lat"],
        }
    else:  # json, and any type added later: any JSON value
        schema = {}
    if kind in _ZERO and not field.required and _refuses_zero(schema, _ZERO[kind]):
        description = schema.pop("description", None)
        schema = {"anyOf": [schema, {"const": _ZERO[kind]}]}
        if description:
            schema["description"] = description
    if field.help:
        schema["description"] = field.help
    return schema


def _refuses_zero(schema: Schema, zero: object) -> bool:
    """Whether a constraint of `schema` would refuse the zero value (kept plain when none does)."""
    if zero == "":
        return bool(schema.get("minLength") or "pattern" in schema or "format" in schema)
    low, high = schema.get("minimum"), schema.get("maximum")
    return (low is not None and low > 0) or (high is not None and high < 0)


RECORD_DESCRIPTION = (
    "Every visible field is answered (an auth record's email only when visible to the caller), "
    "unless the request's `fields` parameter names fewer: so none is listed as required."
)


def record_schema(collection: Collection, names: Mapping[str, str] | None = None) -> Schema:
    """A record as the API answers it. No property is `required`: the `fields` parameter, which
    every record route takes, may leave any of them out, and OpenAPI cannot make a response's
    shape depend on a query parameter."""
    properties: Schema = {
        "collectionId": {"type": "string", "const": collection.id},
        "collectionName": {"type": "string", "const": collection.name},
    }
    for field in collection.fields:
        if field.hidden or field.type == "password":
            continue
        properties[field.name] = value_schema(field, names=names)
    properties["expand"] = {
        "type": "object",
        "description": "The relations named by the `expand` parameter, by field name.",
        "additionalProperties": True,
    }
    return {"type": "object", "description": RECORD_DESCRIPTION, "properties": properties}


def body_schema(
    collection: Collection, create: bool, upload: bool = False, names: Mapping[str, str] | None = None
) -> Schema:
    """A create (or update) body; on create a field's `required` makes it required, except for
    the ones the server fills (an id with an autogenerate pattern)."""
    properties: Schema = {}
    required: list[str] = []
    for field in collection.fields:
        if field.type in _SERVER_SET or (collection.is_auth and field.name in _AUTH_SERVER_SET):
            continue
        if field.name == "id" and not create:
            continue
        properties[field.name] = value_schema(field, answered=False, upload=upload, names=names)
        generated = bool(getattr(field, "autogenerate_pattern", ""))
        if create and field.required and not generated:
            required.append(field.name)
    if collection.is_auth:
        properties["passwordConfirm"] = {"type": "string", "description": "The password again."}
        if create:
            required.append("passwordConfirm")
        else:
            properties["oldPassword"] = {
                "type": "string",
                "description": "The current password; a non-superuser changing the password must send it.",
            }
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def has_files(collection: Collection) -> bool:
    return any(field.type == "file" for field in collection.fields)
