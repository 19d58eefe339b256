"""The collection: a named, typed table of records with five API rules.

A Collection is plain data (fields, rules, indexes, auth options) plus the few lookups the rest of
the core needs. It satisfies the rules engine's `CollectionInfo` protocol. It is immutable in use:
the collections service builds a new one for every change and swaps it into the registry.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from bastion.core.auth_options import TOKEN_KINDS, default_auth_options, export_auth_options
from bastion.core.collection_search import SEARCH_KEY, SearchOptions, read_search
from bastion.core.fields import Field, field_from_dict

BASE = "base"
AUTH = "auth"
VIEW = "view"
COLLECTION_TYPES = (BASE, AUTH, VIEW)
RULE_NAMES = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")
SUPERUSERS = "_superusers"
T = TypeVar("T")


def new_token_secret() -> str:
    return secrets.token_urlsafe(38)[:50]


@dataclass
class Collection:
    id: str
    name: str
    type: str = BASE
    system: bool = False
    fields: list[Field] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    rules: dict[str, str | None] = field(default_factory=lambda: dict.fromkeys(RULE_NAMES))
    # auth: the 0.23+ auth options (authRule, manageRule, passwordAuth, otp, ...);
    # view: {"viewQuery": ...}. Token secrets live inside them under "secret" and are never exported.
    options: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    updated: str = ""
    # Bastion's full-text search option (docs/search.md); None: no search, and no "search" key
    search: SearchOptions | None = None

    # ---- lookups --------------------------------------------------------------------------

    @cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def get_field(self, name: str) -> Field | None:
        return self._by_name.get(name)

    @cached_property
    def _derived(self) -> dict[Any, tuple[list[Field], Any]]:
        return {}

    def derived(self, key: Any, build: Callable[[Collection], T]) -> T:
        """What `build` makes of this collection's fields, kept with the collection: code that
        runs per record (reading rows, exporting records) works from it instead of asking every
        field the same questions each time. Built again when the field list is replaced."""
        kept = self._derived.get(key)
        if kept is not None and kept[0] is self.fields:
            value: T = kept[1]
            return value
        value = build(self)
        self._derived[key] = (self.fields, value)
        return value

    @property
    def is_auth(self) -> bool:
        return self.type == AUTH

    @property
    def is_view(self) -> bool:
        return self.type == VIEW

    @property
    def view_query(self) -> str:
        """A view collection's SELECT ("" for other collections)."""
        query = self.options.get("viewQuery")
        return query if isinstance(query, str) else ""

    @property
    def is_superusers(self) -> bool:
        return self.name == SUPERUSERS

    def rule(self, name: str) -> str | None:
        """One of listRule … deleteRule, or authRule/manageRule for auth collections."""
        if name in self.rules:
            return self.rules[name]
        return self.options.get(name)

    def token_secret(self, kind: str) -> str:
        return str(self.options.get(kind, {}).get("secret", ""))

    # ---- (de)serialisation ----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The API shape, in PocketBase's key order; secrets left out."""
        out: dict[str, Any] = {"id": self.id}
        out.update({name: self.rules.get(name) for name in RULE_NAMES})
        out.update(
            {
                "name": self.name,
                "type": self.type,
                "fields": [f.to_dict() for f in self.fields],
                "indexes": list(self.indexes),
                "created": self.created,
                "updated": self.updated,
                "system": self.system,
            }
        )
        if self.is_auth:
            out.update(export_auth_options(self.options))  # token and client secrets left out
        elif self.is_view:
            out["viewQuery"] = self.options.get("viewQuery", "")
        if self.search is not None:
            out[SEARCH_KEY] = self.search.to_dict()
        return out

    def to_storage(self) -> dict[str, Any]:
        """What the `_collections` row holds (secrets included)."""
        out: dict[str, Any] = {
            "id": self.id,
            "system": self.system,
            "type": self.type,
            "name": self.name,
            "fields": [f.to_dict() for f in self.fields],
            "indexes": list(self.indexes),
            "rules": dict(self.rules),
            "options": self.options,
            "created": self.created,
            "updated": self.updated,
        }
        if self.search is not None:
            out[SEARCH_KEY] = self.search.to_dict()
        return out

    @classmethod
    def from_storage(cls, row: dict[str, Any]) -> Collection:
        return cls(
            id=row["id"],
            name=row["name"],
            type=row["type"],
            system=bool(row["system"]),
            fields=[field_from_dict(f) for f in row["fields"]],
            indexes=list(row.get("indexes") or []),
            rules={name: row["rules"].get(name) for name in RULE_NAMES},
            options=row.get("options") or {},
            created=row.get("created", ""),
            updated=row.get("updated", ""),
            search=read_search(row.get(SEARCH_KEY))[0],
        )


def ensure_token_secrets(options: dict[str, Any]) -> dict[str, Any]:
    """Give every token kind of an auth collection its own signing secret. A secret emptied on
    purpose (the token kind was sent as `null`) stays empty, for the validation to refuse."""
    for kind in TOKEN_KINDS:
        cfg = options.get(kind)
        if not isinstance(cfg, dict):
            cfg = options[kind] = {}
        if cfg.get("secret") is None:
            cfg["secret"] = new_token_secret()
    return options


def new_auth_options() -> dict[str, Any]:
    return ensure_token_secrets(default_auth_options())
