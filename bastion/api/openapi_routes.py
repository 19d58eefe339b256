"""OpenAPI paths of the system routes, walked from the route table so none is ever missing.

Each route becomes an operation with its path parameters, a summary (from the handler's name), a
tag (from the path) and the shared error answer. The records and auth routes of `{collection}` get
the typed operations the collections' own paths have (openapi_records.py), the other system routes
their typed bodies and answers (openapi_system.py); a route in neither (a hook-free remainder such
as the WebSocket upgrade) keeps a generic JSON object body and any JSON answer.
The routes the table marks `negotiated` also list MessagePack and their 406 (openapi_media.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from bastion.api.openapi_media import negotiated
from bastion.api.openapi_records import (
    ERROR,
    Operation,
    Refs,
    auth_operations,
    json_answer,
    record_operations,
)
from bastion.api.openapi_system import SYSTEM_OPERATIONS
from bastion.api.route_spec import ApiRoute

COLLECTION = "/api/collections/{collection}"
GENERIC = Refs("Record", "RecordBody", "RecordBody", True, ("Records",), "")

# The first prefix a path starts with names its tag (the order matters: longest first).
_TAGS = (
    (f"{COLLECTION}/records", "Records"),
    ("/api/collections/meta", "Collections"),
    ("/api/collections/import", "Collections"),
    (f"{COLLECTION}/truncate", "Collections"),
    (f"{COLLECTION}/", "Auth"),
    ("/api/collections", "Collections"),
    ("/api/oauth2-redirect", "Auth"),
    ("/api/files", "Files"),
    ("/api/batch", "Batch"),
    ("/api/settings", "Settings"),
    ("/api/logs", "Logs"),
    ("/api/crons", "Crons"),
    ("/api/backups", "Backups"),
    ("/api/jobs", "Jobs"),
    ("/api/realtime", "Realtime"),
    ("/api/webhooks", "Webhooks"),
    ("/api/health", "Health"),
    ("/api/ready", "Health"),
    ("/api/openapi", "OpenAPI"),
    ("/api/bastion/rules", "Rules"),
    ("/api/bastion/installer", "Installer"),
    ("/_", "Dashboard"),
)
TAG_NAMES = tuple(dict.fromkeys(tag for _, tag in _TAGS))
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")

# Answers that are no JSON document (the rest answer JSON, or 204 for a DELETE)
_MEDIA = {
    "/api/files/{collection}/{recordId}/{filename}": ("application/octet-stream", "The file"),
    "/api/backups/{key}": ("application/zip", "The backup archive"),
    "/api/realtime": ("text/event-stream", "Server-sent events: PB_CONNECT, then the subscribed records"),
    "/api/realtime/ws": ("application/json", "A WebSocket upgrade (101); JSON messages"),
    "/_": ("text/html", "A redirect to the dashboard"),
    "/_/": ("text/html", "The dashboard"),
    "/_/{path}": ("text/html", "The dashboard's files"),
    "/api/docs": ("text/html", "The API reference page (Swagger UI over this document)"),
    "/api/openapi.yaml": ("application/yaml", "This document in YAML"),
    "/api/collections/{collection}/proto": ("text/plain", "The collection's records as a .proto file"),
    "/metrics": ("text/plain", "Prometheus' text format (OpenMetrics when Accept asks for it)"),
}


def openapi_path(path: str) -> str:
    """Starlette's `{name:converter}` written as OpenAPI's `{name}`."""
    return _PARAM.sub(r"{\1}", path)


def tag_of(path: str) -> str:
    return next((tag for prefix, tag in _TAGS if path.startswith(prefix)), "System")


def path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAM.findall(path)
    ]


def _summary(route: ApiRoute) -> str:
    name = route.name or getattr(route.handler, "__name__", "") or route.path
    return name.replace("_", " ").strip().capitalize()


def _generic(route: ApiRoute, path: str) -> Operation:
    op: Operation = {"summary": _summary(route), "tags": [tag_of(route.path)]}
    if route.action:
        op["x-pocketbase-action"] = route.action  # PocketBase's rate-limit tag of the route
    media = _MEDIA.get(path) if route.method == "GET" else None
    typed = SYSTEM_OPERATIONS.get((route.method, route.path))
    if typed is not None:
        op["responses"] = dict(typed.answers)
        if typed.parameters:
            op["parameters"] = typed.parameters
        if (body := typed.request_body()) is not None:
            op["requestBody"] = body
        op["responses"]["default"] = ERROR
        return op
    if media is not None:
        # bytes (a file, an archive) are a binary string to generators; text a string; streams any value
        binary = media[0] in ("application/octet-stream", "application/zip")
        schema = {"type": "string", "format": "binary"} if binary else {}
        if media[0] == "text/plain":
            schema = {"type": "string"}
        answer: dict[str, Any] = {"description": media[1], "content": {media[0]: {"schema": schema}}}
        op["responses"] = {"200": answer}
    elif route.method == "DELETE":
        op["responses"] = {"204": {"description": "Done; no body."}}
    else:
        op["responses"] = {"200": json_answer({})}
    if route.method in ("POST", "PATCH", "PUT"):
        op["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    op["responses"]["default"] = ERROR
    return op


def _typed() -> dict[tuple[str, str], Operation]:
    """The generic `{collection}` operations: the records and auth routes, as a collection's own."""
    typed: dict[tuple[str, str], Operation] = {}
    sub_paths = {
        **record_operations(GENERIC, writable=True),
        **auth_operations(replace(GENERIC, tags=("Auth",))),
    }
    for sub, operations in sub_paths.items():
        for method, op in operations.items():
            typed[(method.upper(), COLLECTION + sub)] = op
    return typed


def system_paths(routes: Iterable[ApiRoute]) -> dict[str, dict[str, Any]]:
    """Every route of `routes`, described (a route the table lists twice is described once)."""
    typed = _typed()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        path = openapi_path(route.path)
        entry = paths.setdefault(path, {})
        if params := path_parameters(route.path):
            entry["parameters"] = params
        op = typed.get((route.method, route.path)) or _generic(route, path)
        if route.action and "x-pocketbase-action" not in op:
            op = {**op, "x-pocketbase-action": route.action}
        if route.negotiated:
            op = negotiated(op)
        entry.setdefault(route.method.lower(), op)
    return paths
