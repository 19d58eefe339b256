"""Full-text search indexes over a record table's text columns, and the SQL that queries them.

SQLite: an FTS5 table with external content (the record table itself, keyed by `_rowid_`) and
three triggers on the record table that keep it in step: every write, whichever path makes it,
updates the index inside its own statement, so inside its transaction. PostgreSQL: a GIN index
on the expression `to_tsvector(config, col1 || ' ' || col2 …)`, which PostgreSQL maintains with
the row; the query repeats the same expression so that the planner uses the index. Neither adds
a column to the record table. See docs/search.md.

A query arrives as terms already split into tokens of letters and digits (core/search_query.py);
each is quoted here again (FTS5 `"…"`, tsquery `'…'`), so user text never becomes FTS5 or
tsquery syntax.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bastion.store.database import Executor
from bastion.store.ddl import quote

# language -> (SQLite FTS5 tokenizer, PostgreSQL text search configuration)
LANGUAGES = {
    "simple": ("unicode61 remove_diacritics 0", "simple"),
    "english": ("porter unicode61 remove_diacritics 0", "english"),
}
_TOKEN = re.compile(r"[^\W_]+\Z")
# PostgreSQL indexes a record's first 100,000 characters (its fields joined): a tsvector's distinct
# words take at most 1 MB, which distinct words of 4-byte UTF-8 letters reach at ~262,000
# characters (past it the write itself would fail).
PG_DOCUMENT_CHARS = 100_000


@dataclass(frozen=True)
class SearchIndex:
    """One collection's index: `name` (its FTS5 table on SQLite, its index on PostgreSQL)."""

    name: str
    table: str
    columns: tuple[str, ...]
    language: str


@dataclass(frozen=True)
class SearchTerm:
    """A word (one token), a phrase (several, in order); `prefix`: the last one is a prefix."""

    tokens: tuple[str, ...]
    prefix: bool = False


async def create_index(tx: Executor, index: SearchIndex) -> None:
    """Create the index and fill it from the rows already in the table."""
    if tx.dialect == "postgres":
        expr = _document(index, "")
        await tx.execute(f"CREATE INDEX {quote(index.name)} ON {quote(index.table)} USING GIN (({expr}))")
        return
    fts, table = quote(index.name), quote(index.table)
    cols = ", ".join(quote(c) for c in index.columns)
    tokenizer = LANGUAGES[index.language][0]
    await tx.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{index.table}', "
        f"content_rowid='_rowid_', tokenize='{tokenizer}')"
    )
    new = ", ".join(f"new.{quote(c)}" for c in index.columns)
    old = ", ".join(f"old.{quote(c)}" for c in index.columns)
    add = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new._rowid_, {new});"
    remove = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old._rowid_, {old});"
    await tx.execute(f"CREATE TRIGGER {quote(index.name + '_ai')} AFTER INSERT ON {table} BEGIN {add} END")
    await tx.execute(f"CREATE TRIGGER {quote(index.name + '_ad')} AFTER DELETE ON {table} BEGIN {remove} END")
    await tx.execute(
        f"CREATE TRIGGER {quote(index.name + '_au')} AFTER UPDATE OF {cols} ON {table} "
        f"BEGIN {remove} {add} END"
    )
    await tx.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


async def drop_index(tx: Executor, index: SearchIndex) -> None:
    if tx.dialect == "postgres":
        await tx.execute(f"DROP INDEX IF EXISTS {quote(index.name)}")
        return
    for suffix in ("_ai", "_ad", "_au"):
        await tx.execute(f"DROP TRIGGER IF EXISTS {quote(index.name + suffix)}")
    await tx.execute(f"DROP TABLE IF EXISTS {quote(index.name)}")


def match_sql(
    dialect: str, index: SearchIndex, alias: str, terms: Sequence[SearchTerm]
) -> tuple[str, list[str]]:
    """A condition on the row `alias`: it holds every term."""
    query = _query_text(dialect, terms)
    if dialect == "postgres":
        return f"{_document(index, alias)} @@ {_tsquery(index)}", [query]
    fts = quote(index.name)
    return f"{quote(alias)}._rowid_ IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)", [query]


def rank_sql(
    dialect: str, index: SearchIndex, alias: str, terms: Sequence[SearchTerm], best_first: bool
) -> tuple[str, list[str]]:
    """An ORDER BY item: bm25 on SQLite (lower is better), ts_rank on PostgreSQL (higher is)."""
    query = _query_text(dialect, terms)
    if dialect == "postgres":
        direction = "DESC" if best_first else "ASC"
        return f"ts_rank({_document(index, alias)}, {_tsquery(index)}) {direction}", [query]
    fts = quote(index.name)
    direction = "ASC" if best_first else "DESC"
    # The scores are computed once per statement: a subquery with a LIMIT is not flattened into
    # the correlated lookup, so SQLite materialises it once and looks rows up through an
    # automatic index. `MATCH ? AND rowid = <row>` instead ran one full-text query per row,
    # each recounting the term's documents for bm25 (20,000 matching rows: 8.7 s against 37 ms).
    scores = f"SELECT rowid AS k, bm25({fts}) AS s FROM {fts} WHERE {fts} MATCH ? LIMIT -1"
    score = f"(SELECT s FROM ({scores}) WHERE k = {quote(alias)}._rowid_)"
    return f"{score} {direction}", [query]


def _document(index: SearchIndex, alias: str) -> str:
    """PostgreSQL's indexed expression (the index's own text, or the same over `alias`)."""
    prefix = f"{quote(alias)}." if alias else ""
    text = " || ' ' || ".join(f"coalesce({prefix}{quote(c)}, '')" for c in index.columns)
    return f"to_tsvector('{LANGUAGES[index.language][1]}'::regconfig, left({text}, {PG_DOCUMENT_CHARS}))"


def _tsquery(index: SearchIndex) -> str:
    return f"to_tsquery('{LANGUAGES[index.language][1]}'::regconfig, ?)"


def _query_text(dialect: str, terms: Sequence[SearchTerm]) -> str:
    """FTS5's MATCH text (`"a b" AND "c"*`) or a tsquery's (`('a' <-> 'b') & ('c':*)`)."""
    if not terms:
        raise ValueError("a search needs at least one term")
    for term in terms:
        if not term.tokens or not all(_TOKEN.match(t) for t in term.tokens):
            raise ValueError("search tokens are letters and digits only")
    if dialect == "postgres":
        parts = []
        for term in terms:
            lexemes = [f"'{t}'" for t in term.tokens]
            if term.prefix:
                lexemes[-1] += ":*"
            parts.append("(" + " <-> ".join(lexemes) + ")")
        return " & ".join(parts)
    return " AND ".join('"' + " ".join(t.tokens) + '"' + ("*" if t.prefix else "") for t in terms)
