"""Small builders of JSON Schema objects for the OpenAPI document's system shapes.

`obj(a=..., b=opt(...))` is an object whose properties are all required but those wrapped in
`opt`: the answers are written by Bastion's own code, so a property it always writes is listed
as required (a client generator then types it as present), one it writes only sometimes is not.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_OPTIONAL = "x-optional"  # a marker `obj` takes off again: never in the document


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def opt(schema: Schema) -> Schema:
    """`schema` as an optional property of `obj`."""
    return {**schema, _OPTIONAL: True}


def obj(*description: str, **properties: Schema) -> Schema:
    """An object of `properties` (required unless `opt`), with an optional description first.
    Other keys are not refused: the server ignores the ones it does not read."""
    props: Schema = {}
    required: list[str] = []
    for name, schema in properties.items():
        if schema.pop(_OPTIONAL, False) is False:
            required.append(name)
        props[name] = schema
    out: Schema = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    if description:
        out["description"] = " ".join(description)
    return out


def string(description: str = "", **keywords: Any) -> Schema:
    out: Schema = {"type": "string", **keywords}
    if description:
        out["description"] = description
    return out


def integer(description: str = "", **keywords: Any) -> Schema:
    out: Schema = {"type": "integer", **keywords}
    if description:
        out["description"] = description
    return out


def boolean(description: str = "") -> Schema:
    return {"type": "boolean", "description": description} if description else {"type": "boolean"}


def array(items: Schema, **keywords: Any) -> Schema:
    return {"type": "array", "items": items, **keywords}


def nullable_string(description: str = "") -> Schema:
    out: Schema = {"type": ["string", "null"]}
    if description:
        out["description"] = description
    return out


def page_of(item: Schema) -> Schema:
    """PocketBase's page of a list: `{page, perPage, totalItems, totalPages, items}`."""
    return obj(
        page=integer(),
        perPage=integer(),
        totalItems=integer("-1 with skipTotal."),
        totalPages=integer("-1 with skipTotal."),
        items=array(item),
    )
