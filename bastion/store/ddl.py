"""DDL statements from plain column specs, for both dialects.

The store builds table statements from `(column name, column SQL type)` pairs that the caller (the
collections service) derives from field definitions; it never sees a field object itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote(name: str) -> str:
    """Quote an identifier that already passed name validation (both dialects use "...")."""
    if not _IDENT.match(name):
        raise ValueError(f"invalid SQL identifier {name!r}")
    return f'"{name}"'


def create_table(table: str, columns: Sequence[tuple[str, str]]) -> str:
    cols = ", ".join(f"{quote(name)} {sql_type}" for name, sql_type in columns)
    return f"CREATE TABLE {quote(table)} ({cols})"


def drop_table(table: str) -> str:
    return f"DROP TABLE IF EXISTS {quote(table)}"


def rename_table(old: str, new: str) -> str:
    return f"ALTER TABLE {quote(old)} RENAME TO {quote(new)}"


def add_column(table: str, name: str, sql_type: str) -> str:
    return f"ALTER TABLE {quote(table)} ADD COLUMN {quote(name)} {sql_type}"


def drop_column(table: str, name: str) -> str:
    return f"ALTER TABLE {quote(table)} DROP COLUMN {quote(name)}"


def rename_column(table: str, old: str, new: str) -> str:
    return f"ALTER TABLE {quote(table)} RENAME COLUMN {quote(old)} TO {quote(new)}"


# ---- user indexes ---------------------------------------------------------------------------

_INDEX_RE = re.compile(
    r"^\s*CREATE\s+(?P<unique>UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>[`\"\[]?[A-Za-z_][A-Za-z0-9_]*[`\"\]]?)\s+ON\s+"
    r"(?P<table>[`\"\[]?[A-Za-z_][A-Za-z0-9_]*[`\"\]]?)\s*"
    r"\((?P<columns>[^;]+?)\)\s*(?:WHERE\s+(?P<where>[^;]+?))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class IndexDef:
    name: str
    table: str
    unique: bool
    columns: list[str]
    where: str

    def sql(self, dialect: str, table: str | None = None) -> str:
        """Render for `dialect`, optionally against a renamed table."""
        cols = ", ".join(_render_column(c, dialect) for c in self.columns)
        stmt = f"CREATE {'UNIQUE ' if self.unique else ''}INDEX {quote(self.name)} ON {quote(table or self.table)} ({cols})"
        if self.where:
            stmt += " WHERE " + (self.where.replace("`", '"'))
        return stmt


def _strip(ident: str) -> str:
    return ident.strip().strip('`"[]')


def _render_column(col: str, dialect: str) -> str:
    parts = col.split()
    name = _strip(parts[0])
    rest = " ".join(p.upper() for p in parts[1:] if p.upper() in ("ASC", "DESC"))
    collate = " COLLATE NOCASE" if dialect == "sqlite" and "NOCASE" in col.upper() else ""
    return f"{quote(name)}{collate}{(' ' + rest) if rest else ''}"


def parse_index(sql: str) -> IndexDef:
    """Parse PocketBase-style index SQL (`CREATE [UNIQUE] INDEX name ON table (cols) [WHERE ...]`)."""
    m = _INDEX_RE.match(sql)
    if not m:
        raise ValueError("invalid index definition")
    columns = [c.strip() for c in m.group("columns").split(",") if c.strip()]
    for c in columns:
        if not _IDENT.match(_strip(c.split()[0])):
            raise ValueError(f"invalid index column {c!r}")
    return IndexDef(
        name=_strip(m.group("name")),
        table=_strip(m.group("table")),
        unique=bool(m.group("unique")),
        columns=[_strip(c.split()[0]) + "".join(" " + p for p in c.split()[1:]) for c in columns],
        where=(m.group("where") or "").strip(),
    )


def drop_index(name: str) -> str:
    return f"DROP INDEX IF EXISTS {quote(name)}"
