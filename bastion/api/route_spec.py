"""What a route is, apart from the list of them: the entry type of the route table and its matching.

Kept apart from bastion/api/route_table.py (which imports every handler) so that a handler may
look routes up (api/batch.py resolves its sub-requests) without importing the table it is in.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import compile_path

from bastion.ratelimit import RouteLimit


@dataclass(frozen=True, slots=True)
class ApiRoute:
    method: str
    path: str
    handler: Callable[..., Awaitable[Any]]
    tags: tuple[str, ...] = ()
    etag: bool = False
    file_uploads: bool = False
    batch: bool = False
    guarded: bool = True
    refresh_schema: bool = True
    websocket: bool = False
    name: str | None = None
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    limit: RouteLimit | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Starlette's own compiled pattern, so a path matches here exactly when it routes there
        object.__setattr__(self, "regex", compile_path(self.path)[0])
        limit = RouteLimit(f"{self.method} {self.path}", self.tags) if self.tags else None
        object.__setattr__(self, "limit", limit)

    @property
    def action(self) -> str:
        """PocketBase's name for what the route does (its first tag), "" for routes outside a collection."""
        return self.tags[0] if self.tags else ""


def route_for(routes: Iterable[ApiRoute], method: str, path: str) -> tuple[ApiRoute, dict[str, str]] | None:
    """The first of `routes` that takes `method path` as Starlette routes it, and its parameters."""
    for route in routes:
        if route.method == method and (match := route.regex.match(path)) is not None:
            return route, match.groupdict()
    return None


def whole_path_route(
    routes: Iterable[ApiRoute], method: str, path: str
) -> tuple[ApiRoute, dict[str, str]] | None:
    """As `route_for`, but a trailing newline is no end of the path (Starlette's `$` takes one)."""
    for route in routes:
        if route.method == method and (match := route.regex.fullmatch(path)) is not None:
            return route, match.groupdict()
    return None
