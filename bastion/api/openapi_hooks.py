"""OpenAPI operations of the routes hook files add (`@hooks.route`, docs/hooks.md).

A hook route is code: what it reads and answers is its function's business, so it is described
generically, under the "Hooks" tag: its path parameters (strings, as `e.path_params` holds
them), a JSON object body for the methods that carry one, any JSON value as its 200 answer and
the shared error answer. Its summary is the first line of the function's docstring (else its
name); its operationId is made from the method and path (`hooks.getApiHelloName`). Every
caller's document lists them (a route's auth is checked when it is called, by the function).

Only what is answered is described, as api/hook_routes.py answers it: a hook route that a
built-in route takes is left out, as is one an earlier hook route takes, and one whose path
Starlette cannot compile.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from typing import Any

from bastion.api.openapi_records import ERROR, Operation, json_answer
from bastion.api.openapi_routes import openapi_path, path_parameters
from bastion.api.route_spec import ApiRoute, route_for
from bastion.hooks import HookRoute

HOOKS_TAG = "Hooks"
HOOKS_TAG_TEXT = "Routes the hook files add (docs/hooks.md); each checks its caller when called."
_TEMPLATE = re.compile(r"{[^}]*}")
_WORD = re.compile(r"[A-Za-z0-9]+")


def _summary(route: HookRoute) -> str:
    doc = inspect.getdoc(route.hook.fn)
    if doc and doc.strip():
        return doc.strip().splitlines()[0].strip()
    name = getattr(route.hook.fn, "__name__", "") or f"{route.method} {route.path}"
    return name.replace("_", " ").strip().capitalize()


def _operation_id(method: str, path: str, taken: set[str]) -> str:
    words = _WORD.findall(path)
    base = f"hooks.{method.lower()}{''.join(w[:1].upper() + w[1:] for w in words)}"
    found, n = base, 1
    while found in taken:
        n += 1
        found = f"{base}_{n}"
    taken.add(found)
    return found


def _operation(route: HookRoute, operation_id: str) -> Operation:
    op: Operation = {
        "summary": _summary(route),
        "tags": [HOOKS_TAG],
        "operationId": operation_id,
        "responses": {"200": json_answer({}, "The route's answer"), "default": ERROR},
    }
    if route.method in ("POST", "PUT", "PATCH"):
        op["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    return op


def hook_paths(hook_routes: Iterable[HookRoute], routes: Iterable[ApiRoute], paths: dict[str, Any]) -> bool:
    """Add the operations of `hook_routes` that are answered (none of the built-in `routes`
    takes them) to `paths`; whether any was added."""
    routes = tuple(routes)
    taken = {
        op["operationId"] for entry in paths.values() for op in _operations(entry) if "operationId" in op
    }
    # a path that differs from one described only by its parameters' names is the same path
    same = {_TEMPLATE.sub("{}", path): path for path in paths}
    earlier: list[ApiRoute] = []
    added = False
    for hook_route in hook_routes:
        try:
            spec = ApiRoute(hook_route.method, hook_route.path, hook_route.hook.fn)
        except (AssertionError, ValueError):  # Starlette's unknown convertor: never answered either
            continue
        if route_for(routes, spec.method, spec.path) or route_for(earlier, spec.method, spec.path):
            continue
        earlier.append(spec)
        path = openapi_path(spec.path)
        path = same.setdefault(_TEMPLATE.sub("{}", path), path)
        entry = paths.setdefault(path, {})
        if params := path_parameters(path):
            entry.setdefault("parameters", params)
        method = spec.method.lower()
        if method not in entry:
            entry[method] = _operation(hook_route, _operation_id(spec.method, path, taken))
            added = True
    return added


def _operations(entry: dict[str, Any]) -> Iterable[dict[str, Any]]:
    return (op for key, op in entry.items() if key != "parameters" and isinstance(op, dict))
