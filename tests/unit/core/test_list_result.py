"""ListQuery parsing and list_result shape, as PocketBase 0.40.6 answers (checked on the binary)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bastion.core.list_result import ListQuery, SortField, list_result, parse_list_query, parse_sort
from bastion.errors import BadRequestError


@pytest.mark.parametrize(
    ("query", "page", "per_page", "skip_total"),
    [
        ({}, 1, 30, False),
        ({"page": "0"}, 1, 30, False),
        ({"page": "-1"}, 1, 30, False),
        ({"page": "2", "perPage": "2"}, 2, 2, False),
        ({"page": "00002"}, 2, 30, False),
        ({"page": "99"}, 99, 30, False),
        ({"perPage": "0"}, 1, 30, False),
        ({"perPage": "-5"}, 1, 30, False),
        ({"perPage": "5000"}, 1, 1000, False),
        ({"perPage": "1000"}, 1, 1000, False),
        ({"skipTotal": "1"}, 1, 30, True),
        ({"skipTotal": "true"}, 1, 30, True),
        ({"skipTotal": "T"}, 1, 30, True),
        ({"skipTotal": "0"}, 1, 30, False),
        ({"skipTotal": ""}, 1, 30, False),
        ({"page": ""}, 1, 30, False),
        ({"page": ["3", "4"]}, 3, 30, False),
    ],
)
def test_page_per_page_skip_total(query, page, per_page, skip_total):
    q = ListQuery.parse(query)
    assert (q.page, q.per_page, q.skip_total) == (page, per_page, skip_total)


@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"page": " 2"},  # what `page=+2` decodes to
        {"perPage": "1.5"},
        {"page": "9223372036854775808"},
        {"skipTotal": "abc"},
        {"skipTotal": "yes"},
        {"sort": ",".join(["id"] * 9)},
        {"sort": "x" * 256},
        {"filter": "x" * 3501},
    ],
)
def test_invalid_values_are_a_generic_400(query):
    with pytest.raises(BadRequestError) as exc:
        ListQuery.parse(query)
    assert exc.value.to_dict() == {
        "status": 400,
        "message": "Something went wrong while processing your request.",
        "data": {},
    }


def test_sort_and_filter():
    q = ListQuery.parse({"sort": "-title, +created,name,", "filter": "a = 1"})
    assert q.sort == "-title, +created,name,"
    assert parse_sort(q.sort) == (  # what the size limits are checked on
        SortField("title", "DESC"),
        SortField("created", "ASC"),
        SortField("name", "ASC"),
        SortField("", "ASC"),
    )
    assert q.filter == "a = 1"
    assert parse_sort(ListQuery.parse({"sort": ",".join(["id"] * 8)}).sort)[7] == SortField("id", "ASC")


def test_list_query_holds_only_what_the_list_handlers_read():
    """`expand` and `fields` are read where they apply (record_expand, response_fields)."""
    assert [f.name for f in dataclasses.fields(ListQuery)] == [
        "page",
        "per_page",
        "sort",
        "filter",
        "skip_total",
    ]


def test_parse_list_query_shorthand():
    assert parse_list_query({"page": "4"}) == ListQuery.parse({"page": "4"})


def test_offset():
    assert ListQuery.parse({"page": "3", "perPage": "20"}).offset == 40
    assert ListQuery.parse({}).offset == 0


def test_query_params_object_with_getlist():
    class Multi(dict):
        def getlist(self, key):
            return self.get(key, [])

    q = ListQuery.parse(Multi(page=["2", "5"], perPage=["7"]))
    assert (q.page, q.per_page) == (2, 7)


def test_list_result_shape_and_key_order():
    body = list_result(2, 2, 3, [{"id": "a"}])
    # PocketBase's own serialisation: {"items":[...],"page":2,"perPage":2,"totalItems":3,"totalPages":2}
    assert json.dumps(body, separators=(",", ":")) == (
        '{"items":[{"id":"a"}],"page":2,"perPage":2,"totalItems":3,"totalPages":2}'
    )


@pytest.mark.parametrize(
    ("total", "per_page", "pages"),
    [(0, 30, 0), (1, 30, 1), (30, 30, 1), (31, 30, 2), (3, 1, 3), (2001, 1000, 3)],
)
def test_total_pages(total, per_page, pages):
    assert list_result(1, per_page, total, [])["totalPages"] == pages


def test_skip_total_gives_minus_one():
    assert list_result(2, 2, 999, [{"id": "b"}], skip_total=True) == {
        "items": [{"id": "b"}],
        "page": 2,
        "perPage": 2,
        "totalItems": -1,
        "totalPages": -1,
    }
