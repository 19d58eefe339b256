"""Which collection-scoped rate-limit tags a request carries, as PocketBase binds them.

PocketBase checks two things per request: the path labels (`"POST /api/batch"`, `"/api/batch"`,
and `/api/`-style prefixes) for every route, and, on collection routes, action tags tried as
`<collection>:<tag>` then `*:<tag>` before the path labels (`users:authWithPassword`,
`*:auth` ...). The table below is PocketBase's binding (apis/record_auth.go, record_crud.go,
file.go), including routes Bastion serves in later releases, so they are limited from day one.
Pure: no I/O, no app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class CollectionRoute:
    pattern: str  # PocketBase's route pattern, part of the counter's identity
    collection: str  # the collection name or id as written in the path
    tags: tuple[str, ...]


# (method, PocketBase's route pattern, action tags)
_ROUTES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("GET", "/api/collections/{collection}/records", ("list",)),
    ("POST", "/api/collections/{collection}/records", ("create",)),
    ("GET", "/api/collections/{collection}/records/{id}", ("view",)),
    ("PATCH", "/api/collections/{collection}/records/{id}", ("update",)),
    ("DELETE", "/api/collections/{collection}/records/{id}", ("delete",)),
    ("GET", "/api/files/{collection}/{recordId}/{filename}", ("file",)),
    ("GET", "/api/collections/{collection}/auth-methods", ("listAuthMethods",)),
    ("POST", "/api/collections/{collection}/auth-refresh", ("authRefresh",)),
    ("POST", "/api/collections/{collection}/auth-with-password", ("authWithPassword", "auth")),
    ("POST", "/api/collections/{collection}/auth-with-oauth2", ("authWithOAuth2", "auth")),
    ("POST", "/api/collections/{collection}/request-otp", ("requestOTP",)),
    ("POST", "/api/collections/{collection}/auth-with-otp", ("authWithOTP", "auth")),
    # Bastion's TOTP factor: a sign-in route like the others, so `*:auth` (and the baseline) cover it
    ("POST", "/api/collections/{collection}/auth-with-totp", ("authWithTOTP", "auth")),
    ("POST", "/api/collections/{collection}/request-password-reset", ("requestPasswordReset",)),
    ("POST", "/api/collections/{collection}/confirm-password-reset", ("confirmPasswordReset",)),
    ("POST", "/api/collections/{collection}/request-verification", ("requestVerification",)),
    ("POST", "/api/collections/{collection}/confirm-verification", ("confirmVerification",)),
    ("POST", "/api/collections/{collection}/request-email-change", ("requestEmailChange",)),
    ("POST", "/api/collections/{collection}/confirm-email-change", ("confirmEmailChange",)),
)


def _regex(template: str) -> re.Pattern[str]:
    rx = template.replace("{collection}", "(?P<c>[^/]+)")
    return re.compile(re.sub(r"\{\w+\}", "[^/]+", rx))


_TABLE = [(method, _regex(template), f"{method} {template}", tags) for method, template, tags in _ROUTES]


def path_labels(method: str, path: str) -> list[str]:
    """The labels every route is checked with: `"METHOD /path"`, then `"/path"`."""
    return [f"{method} {path}", path]


@lru_cache(maxsize=4096)
def collection_route(method: str, path: str) -> CollectionRoute | None:
    """The collection route a request hits, or None for routes outside a collection."""
    for m, rx, pattern, tags in _TABLE:
        if m != method:
            continue
        match = rx.fullmatch(path)
        if match:
            return CollectionRoute(pattern, match["c"], tags)
    return None


def collection_labels(route: CollectionRoute, name: str, method: str, path: str) -> list[str]:
    """`[<name>:<tag>..., *:<tag>..., "METHOD /path", "/path"]`, most specific first."""
    return [f"{name}:{t}" for t in route.tags] + [f"*:{t}" for t in route.tags] + path_labels(method, path)
