"""SQL text with its bound values, kept in textual order (every `?` has exactly one value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SqlFragment:
    sql: str
    params: list[Any] = field(default_factory=list)


def cat(*parts: str | SqlFragment) -> SqlFragment:
    """Concatenate text and fragments; parameters follow the text order."""
    sql: list[str] = []
    params: list[Any] = []
    for p in parts:
        if isinstance(p, SqlFragment):
            sql.append(p.sql)
            params.extend(p.params)
        else:
            sql.append(p)
    return SqlFragment("".join(sql), params)


def param(value: Any) -> SqlFragment:
    return SqlFragment("?", [value])


def quote(name: str) -> str:
    """Double-quote an identifier that came from the schema (never from user input)."""
    return '"' + name.replace('"', '""') + '"'
