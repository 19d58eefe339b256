"""The OpenAPI 3.1 document: the system routes, and the typed paths of the collections a caller may see.

Visibility. A superuser's document describes every collection. Anyone else's describes only the
collections whose listRule or viewRule is not null (null means superusers only): those are the
ones whose records a non-superuser could ever read, so describing them tells nothing the API
would not. A collection whose every read is superuser-only stays out, even when anyone may
create in it or sign in to it, as its fields are then private detail. System collections and
`_`-named ones (`_superusers`, `_otps` …) never appear to non-superusers. The document does not
depend on who the non-superuser is (a rule such as `owner = @request.auth.id` is not evaluated):
a guest and a signed-in user get the same document, so two variants cover every caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bastion import __version__
from bastion.api.openapi_fields import body_schema, has_files, record_schema
from bastion.api.openapi_hooks import HOOKS_TAG, HOOKS_TAG_TEXT, hook_paths
from bastion.api.openapi_media import RESPONSES, negotiated
from bastion.api.openapi_records import (
    Refs,
    auth_answer,
    auth_operations,
    list_envelope,
    record_operations,
    ref,
)
from bastion.api.openapi_routes import COLLECTION, GENERIC, TAG_NAMES, path_parameters, system_paths
from bastion.api.openapi_system_schemas import system_schemas
from bastion.api.route_spec import ApiRoute
from bastion.core.collection_model import Collection
from bastion.hooks import HookRoute

_ANY_RECORD = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "collectionId": {"type": "string"},
        "collectionName": {"type": "string"},
    },
    "additionalProperties": True,
}
_ERROR = {
    "type": "object",
    "description": "PocketBase's error shape; `data` holds field errors by field name.",
    "properties": {
        "status": {"type": "integer"},
        "message": {"type": "string"},
        "data": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["status", "message", "data"],
}
_SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The token a sign-in answers, sent as is (PocketBase's `Authorization: TOKEN`; "
        "a `Bearer ` prefix is accepted too).",
    },
    "cookieSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "bastion_session",
        "description": "Bastion's opt-in browser session (docs/sessions.md); writes also need X-CSRF-Token.",
    },
    "csrfHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "The bastion_csrf cookie's value, on every write a session cookie authenticates.",
    },
}


def visible(collection: Collection, superuser: bool) -> bool:
    """Whether a caller's document describes `collection` (the rule is the module's docstring)."""
    if superuser:
        return True
    if collection.system or collection.name.startswith("_"):
        return False
    return collection.rules.get("listRule") is not None or collection.rules.get("viewRule") is not None


def _collection_paths(
    collection: Collection,
    schemas: dict[str, Any],
    names: dict[str, str],
    negotiated_routes: set[tuple[str, str]],
) -> dict[str, Any]:
    name = collection.name
    multipart = has_files(collection)
    refs = Refs.of(name, multipart)
    schemas[refs.record] = record_schema(collection, names)
    schemas[refs.page] = list_envelope(ref(refs.record))
    if collection.is_auth:
        schemas[refs.signed_in] = auth_answer(refs)
    if not collection.is_view:
        schemas[refs.create] = body_schema(collection, create=True, names=names)
        schemas[refs.update] = body_schema(collection, create=False, names=names)
        if multipart:
            schemas[f"{refs.create}.multipart"] = body_schema(
                collection, create=True, upload=True, names=names
            )
            schemas[f"{refs.update}.multipart"] = body_schema(
                collection, create=False, upload=True, names=names
            )
    subs = record_operations(refs, writable=not collection.is_view, searchable=collection.search is not None)
    if collection.is_auth:
        subs.update(auth_operations(refs))
    prefix = f"/api/collections/{name}"
    paths: dict[str, Any] = {}
    for sub, operations in subs.items():
        params = path_parameters(sub)
        for method, op in operations.items():
            if (method.upper(), COLLECTION + sub) in negotiated_routes:
                operations[method] = negotiated(op)
        paths[prefix + sub] = {"parameters": params, **operations} if params else operations
    return paths


def _tags(collections: list[Collection], hooks: bool) -> list[dict[str, str]]:
    tags = [{"name": name} for name in TAG_NAMES]
    if hooks:
        tags.append({"name": HOOKS_TAG, "description": HOOKS_TAG_TEXT})
    tags += [
        {"name": c.name, "description": f"The {c.type} collection {c.name}."}
        for c in collections
        if c.name not in TAG_NAMES and not (hooks and c.name == HOOKS_TAG)  # a tag is listed once
    ]
    return tags


def build_document(
    routes: Iterable[ApiRoute],
    collections: Iterable[Collection],
    superuser: bool,
    hook_routes: Iterable[HookRoute] = (),
) -> dict[str, Any]:
    """The document `superuser` (or anyone else) is shown, of the built-in `routes`, the
    `collections` and the routes hook files add (`hook_routes`: shown to everyone, docs/openapi.md)."""
    routes = tuple(routes)
    shown = sorted((c for c in collections if visible(c, superuser)), key=lambda c: c.name)
    schemas: dict[str, Any] = {
        "Error": _ERROR,
        "Record": _ANY_RECORD,
        "RecordBody": {"type": "object", "additionalProperties": True},
        "RecordBody.multipart": {"type": "object", "additionalProperties": True},
        GENERIC.page: list_envelope(ref(GENERIC.record)),
        GENERIC.signed_in: auth_answer(GENERIC),
        **system_schemas(),
    }
    paths: dict[str, Any] = system_paths(routes)
    names = {c.id: c.name for c in shown}
    negotiated_routes = {(r.method, r.path) for r in routes if r.negotiated}
    for collection in shown:
        paths.update(_collection_paths(collection, schemas, names, negotiated_routes))
    added = hook_paths(hook_routes, routes, paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Bastion",
            "version": __version__,
            "description": "Bastion's REST API (wire-compatible with PocketBase 0.40.6), generated from "
            f"the current collections. The `{COLLECTION}` paths take any collection; the "
            "collections' own paths type their records.",
        },
        "tags": _tags(shown, hooks=added),
        "security": [{}, {"bearerAuth": []}, {"cookieSession": []}, {"cookieSession": [], "csrfHeader": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": RESPONSES,
            "securitySchemes": _SECURITY_SCHEMES,
        },
    }
