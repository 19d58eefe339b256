"""Reading a view collection's SELECT: which columns it yields and where each one comes from.

A view collection's fields are inferred from its query, as PocketBase does: a column that names a
collection field (`p.title`, `title AS name`) takes that field's definition, `x.id` becomes a
single relation to x's collection, `count(…)`/`total(…)`/`CAST(… AS type)` become numbers, text or
bools, and anything else a JSON field. This module only reads the query text (no SQL is run); the
database tells the real column list (bastion/core/view_schema.py).

The reading is deliberately shallow, like PocketBase's: each select item must be an expression
without spaces at the top level, optionally followed by `[AS] alias`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMMENTS = re.compile(r"/\*.*?\*/|--[^\n]*", re.S)
_JOIN = re.compile(
    r"\s+(full\s+outer\s+join|left\s+outer\s+join|right\s+outer\s+join|full\s+join|cross\s+join"
    r"|inner\s+join|outer\s+join|left\s+join|right\s+join|join)\s+",
    re.I,
)
_DISCARD = re.compile(r"\s+(where|group\s+by|having|order|limit|with)\s+", re.I)
_CAST = re.compile(r"^cast\s*\(.*\s+as\s+(\w+)\s*\)$", re.I | re.S)
_JOIN_MARK = "__join__"
_DISCARD_MARK = "__discard__"
_QUOTES = {"'": "'", '"': '"', "`": "`", "[": "]"}


class ViewQueryError(ValueError):
    """The query cannot define a view collection; the message is shown to the client."""


@dataclass(frozen=True)
class Identifier:
    original: str  # the expression as written, quotes trimmed (`p.title`, `count(p.id)`)
    alias: str  # the column name it produces


@dataclass(frozen=True)
class ParsedView:
    columns: tuple[Identifier, ...]
    tables: tuple[Identifier, ...]  # FROM first, then the joined tables


def normalize(query: str) -> str:
    """Trim the query and refuse several statements (a helpful message, not a security measure:
    the view is created as `SELECT * FROM (query)`, which cannot run a second statement)."""
    query = query.strip().strip(";")
    if len(_split_top(query, ";")) > 1:
        raise ViewQueryError("multiple statements are not supported")
    return query


def parse(query: str) -> ParsedView:
    text = _COMMENTS.sub(" ", query.strip().strip(";"))
    text = _JOIN.sub(f" {_JOIN_MARK} ", text)
    text = _DISCARD.sub(f" {_DISCARD_MARK} ", text)
    select: list[str] = []
    from_: list[str] = []
    joins: list[str] = []
    active: list[str] | None = None
    part = ""
    skip = False
    for token in _split_top(text, " \n\t", keep_empty=False):
        word = token.lower()
        if word == "select":
            skip, part, active = False, "select", select
        elif word == "distinct":
            continue
        elif word == "from":
            skip, part, active = False, "from", from_
        elif word == _JOIN_MARK:
            skip = False
            if part == "join":
                joins.append(",")
            part, active = "join", joins
        elif word == _DISCARD_MARK:
            skip = True
        else:
            if part == "join" and word == "on":
                skip = True
            if not skip and active is not None:
                active.append(token)
    tables = _identifiers(" ".join(from_)) + _identifiers(" ".join(joins))
    return ParsedView(columns=tuple(_identifiers(" ".join(select))), tables=tuple(tables))


def cast_type(expression: str) -> str | None:
    """`CAST(x AS int)` -> "int"."""
    match = _CAST.match(expression.strip())
    return match.group(1).lower() if match else None


def _identifiers(raw: str) -> list[Identifier]:
    out = []
    for item in _split_top(raw, ",", keep_empty=False):
        parts = _split_top(item, " \n\t", keep_empty=False)
        if len(parts) == 3:
            if parts[1].lower() != "as":
                raise ViewQueryError(f'invalid identifier part - expected "as", got {parts[1]}')
            original, alias = parts[0], parts[2]
        elif len(parts) == 2:
            original, alias = parts
        elif len(parts) == 1:
            original, alias = parts[0], parts[0].split(".")[-1]
        else:
            raise ViewQueryError(f"invalid identifier parts [{' '.join(parts)}]")
        out.append(Identifier(_trim(original, '`"[];'), _trim(alias, "`\"[];'")))
    return out


def _trim(identifier: str, chars: str) -> str:
    return ".".join(p.strip(chars) for p in identifier.split("."))


def _split_top(text: str, separators: str, keep_empty: bool = True) -> list[str]:
    """Split on `separators` outside quotes and parentheses."""
    parts: list[str] = []
    buf: list[str] = []
    depth = 0
    closing: str | None = None
    for ch in text:
        if closing is not None:
            buf.append(ch)
            if ch == closing:
                closing = None
            continue
        if ch in _QUOTES:
            closing = _QUOTES[ch]
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and ch in separators:
            parts.append("".join(buf).strip())
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf).strip())
    return parts if keep_empty else [p for p in parts if p]
