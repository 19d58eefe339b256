"""Subscription strings: `collection/*` or `collection/RECORD_ID`, with optional `?options=`.

As in PocketBase, options are `{"query": {...}, "headers": {...}}`; values become strings and
header names are snake-cased (`X-Token` -> `x_token`) for `@request.headers.*`. Options that are
not valid JSON are ignored, as PocketBase ignores them. Limits and filter checks:
bastion/realtime/subscription_validation.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class SubscriptionOptions:
    topic: str  # the subscription without its query string, e.g. "posts/*"
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def filter(self) -> str:
        return self.query.get("filter") or ""

    @cached_property
    def query_key(self) -> tuple[tuple[str, str], ...]:
        """The query as a hashable value (subscribers with equal options share one rendering)."""
        return tuple(sorted(self.query.items()))

    @cached_property
    def headers_key(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.headers.items()))


def parse_subscription(sub: str) -> SubscriptionOptions:
    topic, _, raw_query = sub.partition("?")
    query: dict[str, str] = {}
    headers: dict[str, str] = {}
    try:
        values = parse_qs(urlsplit("?" + raw_query).query).get("options") if raw_query else None
        raw = json.loads(values[0]) if values else {}
    except (ValueError, RecursionError):  # deeply nested JSON: ignored like any invalid options
        raw = {}
    if isinstance(raw, dict):
        if isinstance(raw.get("query"), dict):
            query = {str(k): _to_string(v) for k, v in raw["query"].items()}
        if isinstance(raw.get("headers"), dict):
            headers = {_snake(str(k)): _to_string(v) for k, v in raw["headers"].items()}
    return SubscriptionOptions(topic, query, headers)


def record_topics(collection_id: str, collection_name: str, record_id: str) -> dict[str, str]:
    """Topic -> the rule that guards it (the bare collection topic is PocketBase's legacy `/*`)."""
    out: dict[str, str] = {}
    for key in (collection_name, collection_id):
        out[f"{key}/{record_id}"] = "viewRule"
        out[f"{key}/*"] = "listRule"
        out[key] = "listRule"
    return out


def _to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _snake(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "_", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return name.strip("_").lower()
