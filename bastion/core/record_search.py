"""The list route's `search=` parameter: its grammar, and the condition and ranking it adds.

Grammar (docs/search.md): terms separated by spaces, all required (AND); `"a quoted phrase"`
matches its words in order; a trailing `*` (`data*`, `"big dat"*`) makes the last word a prefix.
Within a term only letters and digits count: `e-mail` is the phrase `e mail`, and a term with
neither is dropped. At most 256 characters and 16 terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bastion.core.collection_model import Collection
from bastion.errors import BadRequestError
from bastion.store.fulltext import SearchIndex, SearchTerm, match_sql, rank_sql
from bastion.store.row_select import Condition

MAX_SEARCH_LENGTH = 256
MAX_SEARCH_TERMS = 16
RANK = "@rank"

_TERM = re.compile(r'"(?P<phrase>[^"]*)"?(?P<pstar>\*?)|(?P<word>[^\s"]+)')
_TOKEN = re.compile(r"[^\W_]+")


def parse_search(text: str) -> list[SearchTerm]:
    """The terms of a `search` value (400 when it is too long or has nothing to look for)."""
    if len(text) > MAX_SEARCH_LENGTH:
        raise BadRequestError(f"The search is too long (at most {MAX_SEARCH_LENGTH} characters).")
    terms: list[SearchTerm] = []
    for m in _TERM.finditer(text):
        if m.group("word") is not None:
            raw, prefix = m.group("word"), m.group("word").endswith("*")
        else:
            raw, prefix = m.group("phrase"), bool(m.group("pstar"))
        tokens = tuple(t.lower() for t in _TOKEN.findall(raw))
        if tokens:
            terms.append(SearchTerm(tokens, prefix))
    if not terms:
        raise BadRequestError("The search has no words to look for.")
    if len(terms) > MAX_SEARCH_TERMS:
        raise BadRequestError(f"The search has too many terms (at most {MAX_SEARCH_TERMS}).")
    return terms


@dataclass(frozen=True)
class RecordSearch:
    """A parsed search on one collection: its condition, and its ranking for `sort=@rank`."""

    collection: Collection
    terms: list[SearchTerm]
    dialect: str
    alias: str

    def condition(self) -> Condition:
        sql, params = match_sql(self.dialect, self._index(), self.alias, self.terms)
        return Condition(sql, list(params))

    def rank(self, best_first: bool) -> tuple[str, list[str]]:
        return rank_sql(self.dialect, self._index(), self.alias, self.terms, best_first)

    def _index(self) -> SearchIndex:
        assert self.collection.search is not None
        return self.collection.search.index(self.collection.id, self.collection.name)


def record_search(collection: Collection, text: str, dialect: str, alias: str) -> RecordSearch:
    if collection.search is None:
        raise BadRequestError(
            f'The collection {collection.name!r} has no full-text search (its "search" option is not set).'
        )
    return RecordSearch(collection, parse_search(text), dialect, alias)


def split_rank(sort: str) -> list[str | bool]:
    """`sort` cut around its `@rank` entries: `title,-@rank,created` -> ["title", False,
    "created"] (True: best match first, `@rank` or `+@rank`; False: `-@rank`). A sort without
    `@rank` comes back whole, as the one string it was."""
    out: list[str | bool] = []
    group: list[str] = []
    for item in sort.split(","):
        name = item.strip()
        if name.lstrip("+-") == RANK:
            if group:
                out.append(",".join(group))
                group = []
            out.append(not name.startswith("-"))
        else:
            group.append(item)
    if group:
        out.append(",".join(group))
    return out
