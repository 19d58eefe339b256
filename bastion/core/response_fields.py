"""The `fields` query parameter: keep only the listed keys of a JSON response.

PocketBase (tools/picker) applies it to every successful JSON response and to realtime events:

    fields=id,title                 only these keys
    fields=*,expand.author.name     every root key, but only `name` inside expand.author
    fields=expand.author.*          every key of expand.author, nothing else
    fields=body:excerpt(200,true)   plain-text excerpt of an HTML string, "..." when cut

Lists of objects are filtered item by item; for a list result (`{"items": [...], "page": ...}`)
only the items are filtered (`items_only=True`). A path into a non-object value keeps the value
whole. Malformed expressions (unbalanced brackets or quotes, unknown modifier, bad arguments)
are a generic 400, as in PocketBase. When a modifier cannot be applied (an excerpt of HTML
nested past PocketBase's parser limit) the response goes out unfiltered, as PocketBase's does.

The result is a new structure; values that are kept whole are shared with the input, not copied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bastion.core.html_excerpt import ExcerptUnavailable, excerpt
from bastion.core.text_tokenizer import tokenize
from bastion.errors import BadRequestError

__all__ = ["ExcerptModifier", "Modifier", "ParsedFields", "parse_fields", "pick_fields"]

_GO_OCTAL = re.compile(r"[+-]?0[0-7]+\Z")
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def _cast_int(raw: str) -> int:
    """spf13/cast ToInt on a string: drop any decimal part, parse with Go base prefixes, 0 on failure."""
    raw = raw.split(".", 1)[0]
    try:
        if _GO_OCTAL.match(raw):
            return int(raw, 8)
        return int(raw, 0)
    except ValueError:
        return 0


@dataclass(frozen=True, slots=True)
class ExcerptModifier:
    """`:excerpt(max, withEllipsis?)`: the plain text of an HTML string (see html_excerpt)."""

    max_length: int
    with_ellipsis: bool = False

    @classmethod
    def from_args(cls, args: list[str]) -> ExcerptModifier:
        if not args:
            raise ValueError("max argument is required - expected (max, withEllipsis?)")
        if len(args) > 2:
            raise ValueError("too many arguments - expected (max, withEllipsis?)")
        max_length = _cast_int(args[0])
        if max_length <= 0:
            raise ValueError("max argument must be > 0")
        return cls(max_length, len(args) > 1 and args[1] in _GO_TRUE)

    def apply(self, value: Any) -> Any:
        # non-strings pass through untouched (the field may be a missing expand, a number ...);
        # ExcerptUnavailable propagates: the whole response is then sent unfiltered
        if not isinstance(value, str):
            return value
        return excerpt(value, self.max_length, self.with_ellipsis)


Modifier = ExcerptModifier
_MODIFIERS = {"excerpt": ExcerptModifier.from_args}


def _parse_modifier(raw: str) -> Modifier:
    parts = tokenize(raw, separators="(), ", ignore_parenthesis=True)
    if not parts:
        raise ValueError(f"invalid or empty modifier expression {raw!r}")
    factory = _MODIFIERS.get(parts[0])
    if factory is None:
        raise ValueError(f"missing or invalid modifier {parts[0]!r}")
    return factory(parts[1:])


# field path -> modifier (or None); insertion-ordered, a repeated path keeps the last modifier
ParsedFields = dict[str, Modifier | None]


@lru_cache(maxsize=512)
def _parse_cached(raw: str) -> tuple[tuple[str, Modifier | None], ...]:
    result: ParsedFields = {}
    for token in tokenize(raw):
        name, sep, modifier = token.strip().partition(":")
        result[name] = _parse_modifier(modifier) if sep else None
    return tuple(result.items())


def parse_fields(raw: str) -> ParsedFields:
    """Parse a `fields` expression (cached per distinct string). Raises BadRequestError."""
    try:
        return dict(_parse_cached(raw))
    except ValueError:
        raise BadRequestError() from None


_LIST_RESULT_KEYS = frozenset({"items", "page", "perPage", "totalItems", "totalPages"})


def pick_fields(data: Any, fields: str | ParsedFields, *, items_only: bool | None = None) -> Any:
    """Apply a `fields` expression to a response body (object, or list of objects).

    With items_only the body is a list result and only its `items` are filtered; left as None,
    a dict with exactly the list result keys is taken to be one (a record always has an id).
    An empty expression returns `data` itself, and so does one whose modifier cannot be applied
    (PocketBase then sends the response as it would without `fields`).
    """
    parsed = parse_fields(fields) if isinstance(fields, str) else fields
    if not parsed:
        return data
    if items_only is None:
        items_only = isinstance(data, dict) and data.keys() == _LIST_RESULT_KEYS
    try:
        if items_only:
            if isinstance(data, dict) and "items" in data:
                return {**data, "items": _pick_value(data["items"], parsed)}
            return data
        return _pick_value(data, parsed)
    except ExcerptUnavailable:
        return data


def _pick_value(data: Any, fields: ParsedFields) -> Any:
    if isinstance(data, dict):
        return _pick_map(data, fields)
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return [_pick_map(item, fields) if isinstance(item, dict) else item for item in data]
    return data  # scalars and lists of scalars: nothing to pick inside


def _pick_map(data: dict[str, Any], fields: ParsedFields) -> dict[str, Any]:
    if not fields:
        return data

    if "*" in fields:
        star = fields["*"]
        fields = dict(fields)
        for key in data:
            if not any((f + ".").startswith(key + ".") for f in fields):
                fields[key] = star

    out: dict[str, Any] = {}
    for key, value in data.items():
        prefix = key + "."
        matching = {f: m for f, m in fields.items() if (f + ".").startswith(prefix)}
        if not matching:
            continue
        if key in matching:
            # the key itself is listed: keep it whole, through its modifier if any
            modifier = matching[key]
            out[key] = modifier.apply(value) if modifier is not None else value
            continue
        rest = {(f + ".")[len(prefix) :].removesuffix("."): m for f, m in matching.items()}
        out[key] = _pick_value(value, rest)
    return out
