"""What a route is, apart from the list of them: the entry type of the route table and its matching.

Kept apart from bastion/api/route_table.py (which imports every handler) so that a handler may
look routes up (api/batch.py resolves its sub-requests) without importing the table it is in.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.routing import compile_path

from bastion.ratelimit import RouteLimit

Handler = Callable[..., Awaitable[Any]]
Found = tuple["ApiRoute", dict[str, str]]


@dataclass(frozen=True, slots=True)
class ApiRoute:
    """One method on one path, its handler, and what the layers around the handler need to know.

    A GET route also takes HEAD (Starlette adds it); its tags and label stay those of the GET, as
    the method is part of PocketBase's pattern.
    """

    method: str
    path: str
    """Starlette's pattern; written as PocketBase writes it for the routes PocketBase has, since
    `"METHOD path"` is PocketBase's route pattern, part of a rate-limit counter's identity."""
    handler: Handler
    tags: tuple[str, ...] = ()
    """PocketBase's collection action tags (apis/record_crud.go, record_auth.go, file.go): the
    first names the action (`create`, `authWithPassword`); rate limits try `<collection>:<tag>`
    then `*:<tag>` for each, before the path labels (bastion/ratelimit)."""
    etag: bool = False
    """GET answers get an ETag and `If-None-Match` is answered 304 (bastion/http/conditional.py,
    applied by api/dispatch.py to this route alone)."""
    negotiated: bool = False
    """The answer is JSON or MessagePack as the request's Accept asks, 406 when it admits neither
    (bastion/http/media_negotiation.py, applied by api/dispatch.py to this route alone)."""
    protobuf: bool = False
    """Besides JSON and MessagePack, the answer may be the collection's Protocol Buffers message
    (api/protobuf_answer.py; a `negotiated` route only)."""
    file_uploads: bool = False
    """The body may carry files, so its size limit grows with the collection's file fields."""
    unlimited_body: bool = False
    """No body size limit (a backup archive, as PocketBase's BodyLimit(0)); such a handler must
    check its caller before reading the body."""
    batch: bool = False
    """An /api/batch sub-request may name this route (api/batch.py)."""
    session: Literal["", "issue", "renew"] = ""
    """A sign-in answer a browser may keep as a cookie session (bastion/http/cookie_session.py):
    `issue` when the client opts in, `renew` also whenever a session cookie authenticated it."""
    guarded: bool = True
    """`guard` wraps the handler: schema refresh, rate limits, PocketBase's error JSON."""
    refresh_schema: bool = True
    """False keeps the periodic schema check (a database read) off the route (a liveness probe)."""
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
        """PocketBase's name for what the route does (its first tag); "" outside a collection."""
        return self.tags[0] if self.tags else ""


def route_for(routes: Iterable[ApiRoute], method: str, path: str) -> Found | None:
    """The first of `routes` that takes `method path` as Starlette routes it, and its parameters."""
    for route in routes:
        if route.method == method and (match := route.regex.match(path)) is not None:
            return route, match.groupdict()
    return None


def whole_path_route(routes: Iterable[ApiRoute], method: str, path: str) -> Found | None:
    """As `route_for`, but a trailing newline is no end of the path (Starlette's `$` takes one)."""
    for route in routes:
        if route.method == method and (match := route.regex.fullmatch(path)) is not None:
            return route, match.groupdict()
    return None
