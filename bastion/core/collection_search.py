"""A collection's full-text search option: `"search": {"fields": [...], "language": "simple"}`.

Bastion's addition to PocketBase's collection JSON, present only on a collection that has it
(docs/search.md). The fields are text or editor fields of the collection, not hidden ones (a
search must not reveal what the API hides); the language picks the tokenizer or text search
configuration (store/fulltext.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bastion.core.fields import Field
from bastion.errors import field_error
from bastion.store.fulltext import LANGUAGES, SearchIndex

SEARCH_KEY = "search"
DEFAULT_LANGUAGE = "simple"
SEARCHABLE_TYPES = ("text", "editor")
MAX_SEARCH_FIELDS = 16


@dataclass(frozen=True)
class SearchOptions:
    fields: tuple[str, ...]
    language: str = DEFAULT_LANGUAGE

    def to_dict(self) -> dict[str, Any]:
        return {"fields": list(self.fields), "language": self.language}

    def index(self, collection_id: str, table: str) -> SearchIndex:
        return SearchIndex(index_name(collection_id), table, self.fields, self.language)


def index_name(collection_id: str) -> str:
    """`_search_` and a hash of the collection id: the id itself could collide with another
    index's tables (FTS5 names its own `<name>_data`, `<name>_idx` …, and an id may end so)."""
    return "_search_" + hashlib.sha256(collection_id.encode()).hexdigest()[:16]


def read_search(value: Any) -> tuple[SearchOptions | None, dict[str, Any]]:
    """The option from a request body's `search` value (None or absent: no search), and the
    errors of its shape, keyed as PocketBase nests an object's errors."""
    if value is None:
        return None, {}
    if not isinstance(value, dict):
        return None, {SEARCH_KEY: field_error("validation_invalid_value", "Must be an object or null.")}
    errors: dict[str, Any] = {}
    for key in value:
        if key not in ("fields", "language"):
            errors[str(key)] = field_error("validation_unknown_field", "Unknown field.")
    fields = value.get("fields")
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        errors["fields"] = field_error("validation_invalid_value", "Must be a list of field names.")
        fields = []
    elif not fields:
        errors["fields"] = field_error("validation_required", "Cannot be blank.")
    elif len(fields) > MAX_SEARCH_FIELDS:
        errors["fields"] = field_error(
            "validation_length_too_long",
            f"The length must be no more than {MAX_SEARCH_FIELDS}.",
            {"max": MAX_SEARCH_FIELDS},
        )
    elif len(set(fields)) != len(fields):
        errors["fields"] = field_error("validation_duplicated_field_name", "Duplicated field name.")
    language = value.get("language", DEFAULT_LANGUAGE)
    if language not in LANGUAGES:
        errors["language"] = field_error("validation_in_invalid", "Must be a valid value.")
        language = DEFAULT_LANGUAGE
    if errors:
        return None, {SEARCH_KEY: errors}
    return SearchOptions(tuple(fields), str(language)), {}


def search_errors(options: SearchOptions, fields: Sequence[Field]) -> dict[str, Any]:
    """The option checked against the collection's fields (after any rename in the same change)."""
    by_name = {f.name: f for f in fields}
    for name in options.fields:
        f = by_name.get(name)
        if f is None:
            message = f"Unknown field {name!r}."
            return {SEARCH_KEY: {"fields": field_error("validation_unknown_search_field", message)}}
        if f.type not in SEARCHABLE_TYPES:
            message = f"Field {name!r} is not a text or editor field."
            return {SEARCH_KEY: {"fields": field_error("validation_search_field_type", message)}}
        if f.hidden:
            message = f"Field {name!r} is hidden: a search would reveal it."
            return {SEARCH_KEY: {"fields": field_error("validation_search_hidden_field", message)}}
    return {}


def following_fields(
    options: SearchOptions | None, old: Sequence[Field], new: Sequence[Field]
) -> SearchOptions | None:
    """The option after a change of fields that did not send it: a renamed field keeps its place
    under its new name, a deleted one leaves (and with none left, the option goes)."""
    if options is None:
        return None
    ids = {f.name: f.id for f in old}
    names = {f.id: f.name for f in new}
    kept = tuple(names[ids[n]] for n in options.fields if n in ids and ids[n] in names)
    return SearchOptions(kept, options.language) if kept else None
