"""Small helpers the cluster tests share: names, collections, and how many rounds a check takes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import httpx

from tests.cluster.cluster_harness import RunningCluster


def rounds(cluster: RunningCluster) -> int:
    """How often a check is repeated: behind nginx, three turns for each node as the writer (and
    the next one as the reader); between workers, 12 requests on new connections, so that a run
    where every one reaches the same worker has a chance of (1/2)^12; once on a single server."""
    if cluster.proxy is not None:
        return 3 * len(cluster.nodes)
    return 12 if cluster.fresh_connections else 3


def new_name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(4)}"


def public_collection(name: str, **extra: Any) -> dict[str, Any]:
    """A base collection with a text `title` and every rule `""` (anyone may do anything)."""
    rules = {f"{a}Rule": "" for a in ("list", "view", "create", "update", "delete")}
    return {"name": name, **rules, "fields": [{"name": "title", "type": "text"}], **extra}


def collection_is_there(name: str, headers: dict[str, str]) -> Callable[[httpx.Client], bool]:
    return lambda c: c.get(f"/api/collections/{name}", headers=headers).status_code == 200


def collections_are_there(names: list[str], headers: dict[str, str]) -> Callable[[httpx.Client], bool]:
    return lambda c: all(collection_is_there(n, headers)(c) for n in names)
