"""The `search=` grammar and the query text each database is given (no database here)."""

from __future__ import annotations

import pytest

from bastion.core.collection_search import SearchOptions, following_fields, read_search
from bastion.core.fields import field_from_dict
from bastion.core.record_search import parse_search, split_rank
from bastion.errors import BadRequestError
from bastion.store.fulltext import SearchIndex, SearchTerm, match_sql, rank_sql

INDEX = SearchIndex("_search_pbc_1", "notes", ("title", "body"), "english")


def test_words_phrases_and_prefixes() -> None:
    assert parse_search('Fox "lazy  DOG" data* "big dat"* e-mail') == [
        SearchTerm(("fox",)),
        SearchTerm(("lazy", "dog")),
        SearchTerm(("data",), prefix=True),
        SearchTerm(("big", "dat"), prefix=True),
        SearchTerm(("e", "mail")),
    ]
    assert parse_search('"unterminated phrase') == [SearchTerm(("unterminated", "phrase"))]
    assert parse_search("a_b !!! x") == [SearchTerm(("a", "b")), SearchTerm(("x",))]


TOO_MANY = " ".join(f"w{i}" for i in range(17))


@pytest.mark.parametrize("text", ["", "   ", "!!! ?", '""', "*", "x" * 257, TOO_MANY])
def test_nothing_to_look_for_too_long_or_too_many_terms_is_a_400(text: str) -> None:
    with pytest.raises(BadRequestError):
        parse_search(text)


def test_user_text_is_only_ever_quoted_tokens() -> None:
    terms = parse_search("""fox' OR 1=1 -- "NEAR(a b)" x:* <-> !y""")
    sql, params = match_sql("sqlite", INDEX, "__r", terms)
    assert params == ['"fox" AND "or" AND "1 1" AND "near a b" AND "x"* AND "y"']
    assert "?" in sql and "fox" not in sql
    sql, params = match_sql("postgres", INDEX, "__r", terms)
    assert params == ["('fox') & ('or') & ('1' <-> '1') & ('near' <-> 'a' <-> 'b') & ('x':*) & ('y')"]
    assert "to_tsquery('english'::regconfig, ?)" in sql
    _, prefix = rank_sql("postgres", INDEX, "__r", [SearchTerm(("da",), prefix=True)], best_first=True)
    assert prefix == ["('da':*)"]
    with pytest.raises(ValueError):
        match_sql("sqlite", INDEX, "__r", [SearchTerm(("a'b",))])


def test_rank_entries_split_the_sort() -> None:
    assert split_rank("-created,title") == ["-created,title"]
    assert split_rank("@rank") == [True]
    assert split_rank("title,-@rank, +@rank ,created") == ["title", False, True, "created"]


def test_the_option_follows_renamed_and_deleted_fields() -> None:
    old = [
        field_from_dict({"id": "t1", "name": "title", "type": "text"}),
        field_from_dict({"id": "b1", "name": "body", "type": "editor"}),
    ]
    renamed = [field_from_dict({"id": "t1", "name": "heading", "type": "text"})]
    options = SearchOptions(("title", "body"), "english")
    assert following_fields(options, old, renamed) == SearchOptions(("heading",), "english")
    assert following_fields(options, old, []) is None
    assert read_search({"fields": ["a"]}) == (SearchOptions(("a",), "simple"), {})
