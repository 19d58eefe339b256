"""Which labels a request is checked with, as PocketBase binds them.

PocketBase checks two things per request: the path labels (`"POST /api/batch"`, `"/api/batch"`,
and `/api/`-style prefixes) for every route, and, on collection routes, action tags tried as
`<collection>:<tag>` then `*:<tag>` before the path labels (`users:authWithPassword`,
`*:auth` ...). Which route carries which tags is written in the route table
(bastion/api/route_table.py); it hands each route's `RouteLimit` to the check. Pure: no I/O, no app.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """A collection route's part in rate limiting."""

    pattern: (
        str  # PocketBase's route pattern, `"METHOD /path/{collection}..."`: part of the counter's identity
    )
    tags: tuple[str, ...]  # PocketBase's action tags, most specific first


def path_labels(method: str, path: str) -> list[str]:
    """The labels every route is checked with: `"METHOD /path"`, then `"/path"`."""
    return [f"{method} {path}", path]


def collection_labels(route: RouteLimit, name: str, method: str, path: str) -> list[str]:
    """`[<name>:<tag>..., *:<tag>..., "METHOD /path", "/path"]`, most specific first."""
    return [f"{name}:{t}" for t in route.tags] + [f"*:{t}" for t in route.tags] + path_labels(method, path)
