"""The `fields` picker and its modifiers, against answers captured from PocketBase 0.40.6.

Each expected value below is what the real binary returned for the same record and expression
(the excerpt's HTML walk has its own table in test_html_excerpt.py).
"""

from __future__ import annotations

import copy

import pytest

from bastion.core.list_result import list_result
from bastion.core.response_fields import ExcerptModifier, parse_fields, pick_fields
from bastion.errors import BadRequestError

AUTHOR = {
    "bio": "<p>Hello   <b>world</b></p><p>Second para</p>",
    "collectionId": "pbc_526341563",
    "collectionName": "authors",
    "id": "m08g8mgvykexs8u",
    "name": "Ann",
}

RECORD = {
    "author": "m08g8mgvykexs8u",
    "body": "<div>Lorem ipsum <i>dolor</i> sit amet, consectetur adipiscing elit.</div>",
    "collectionId": "pbc_1125843985",
    "collectionName": "posts",
    "expand": {"author": AUTHOR},
    "id": "8i3gap9260d77zp",
    "title": "T1",
}

# expression -> PocketBase answer for GET /api/collections/posts/records/{id}?expand=author&fields=...
PICKS = [
    (
        "*",
        {
            "collectionName": "posts",
            "expand": {"author": AUTHOR},
            "id": "8i3gap9260d77zp",
            "title": "T1",
            "author": "m08g8mgvykexs8u",
            "body": "<div>Lorem ipsum <i>dolor</i> sit amet, consectetur adipiscing elit.</div>",
            "collectionId": "pbc_1125843985",
        },
    ),
    ("id,title", {"id": "8i3gap9260d77zp", "title": "T1"}),
    ("title,expand.author.name", {"expand": {"author": {"name": "Ann"}}, "title": "T1"}),
    ("expand.author.*", {"expand": {"author": AUTHOR}}),
    (
        "*,expand.author.name",
        {
            "body": "<div>Lorem ipsum <i>dolor</i> sit amet, consectetur adipiscing elit.</div>",
            "collectionId": "pbc_1125843985",
            "collectionName": "posts",
            "expand": {"author": {"name": "Ann"}},
            "id": "8i3gap9260d77zp",
            "title": "T1",
            "author": "m08g8mgvykexs8u",
        },
    ),
    ("expand", {"expand": {"author": AUTHOR}}),
    ("id,expand.author", {"expand": {"author": AUTHOR}, "id": "8i3gap9260d77zp"}),
    ("title.x", {"title": "T1"}),
    ("title:excerpt(1)", {"title": "T"}),
    (
        "*:excerpt(3)",
        {
            "expand": {
                "author": {
                    "name": "Ann",
                    "bio": "<p>Hello   <b>world</b></p><p>Second para</p>",
                    "collectionId": "pbc_526341563",
                    "collectionName": "authors",
                    "id": "m08g8mgvykexs8u",
                }
            },
            "id": "8i3",
            "title": "T1",
            "author": "m08",
            "body": "Lor",
            "collectionId": "pbc",
            "collectionName": "pos",
        },
    ),
    ("expand:excerpt(5)", {"expand": {"author": AUTHOR}}),
    (" title , id ", {"id": "8i3gap9260d77zp", "title": "T1"}),
    ("expand.author.bio:excerpt(12,true)", {"expand": {"author": {"bio": "Hello world..."}}}),
    ("nope", {}),
    ("expand.nope", {"expand": {}}),
    ("id,id:excerpt(2)", {"id": "8i"}),
    ("id:excerpt(2),id", {"id": "8i3gap9260d77zp"}),
    (
        "expand.author.name,expand",
        {
            "expand": {
                "author": {
                    "name": "Ann",
                    "bio": "<p>Hello   <b>world</b></p><p>Second para</p>",
                    "collectionId": "pbc_526341563",
                    "collectionName": "authors",
                    "id": "m08g8mgvykexs8u",
                }
            }
        },
    ),
    (
        ",,",
        {
            "collectionId": "pbc_1125843985",
            "collectionName": "posts",
            "expand": {"author": AUTHOR},
            "id": "8i3gap9260d77zp",
            "title": "T1",
            "author": "m08g8mgvykexs8u",
            "body": "<div>Lorem ipsum <i>dolor</i> sit amet, consectetur adipiscing elit.</div>",
        },
    ),
    ("items", {}),
    ("page,id", {"id": "8i3gap9260d77zp"}),
]


@pytest.mark.parametrize(("expr", "want"), PICKS)
def test_pick_single_record(expr, want):
    before = copy.deepcopy(RECORD)
    assert pick_fields(RECORD, expr) == want
    assert before == RECORD  # the input is never modified


@pytest.mark.parametrize(("expr", "want"), PICKS)
def test_pick_list_result_filters_items_only(expr, want):
    body = list_result(1, 1, 3, [RECORD])
    got = pick_fields(body, expr, items_only=True)
    assert got == {"items": [want], "page": 1, "perPage": 1, "totalItems": 3, "totalPages": 3}


@pytest.mark.parametrize(("expr", "want"), PICKS)
def test_list_result_is_detected_without_the_flag(expr, want):
    body = list_result(1, 1, 3, [RECORD])
    assert pick_fields(body, expr)["items"] == [want]


def test_items_only_false_filters_the_top_level():
    body = list_result(1, 1, 3, [RECORD])
    assert pick_fields(body, "page", items_only=False) == {"page": 1}


def test_pick_plain_list_of_objects():
    data = [{"a": 1, "b": 2}, {"a": 3, "c": 4}]
    assert pick_fields(data, "a") == [{"a": 1}, {"a": 3}]
    assert pick_fields(["x", "y"], "a") == ["x", "y"]


def test_nested_lists_of_objects_are_picked_per_item():
    data = {"expand": {"tags": [{"id": "1", "name": "a"}, {"id": "2", "name": "b"}]}}
    assert pick_fields(data, "expand.tags.name") == {"expand": {"tags": [{"name": "a"}, {"name": "b"}]}}


def test_key_order_follows_the_data():
    assert list(pick_fields({"b": 1, "a": 2, "c": 3}, "c,a,b")) == ["b", "a", "c"]


def test_empty_expression_returns_data_untouched():
    assert pick_fields(RECORD, "") is RECORD
    assert pick_fields(RECORD, " , ") is RECORD


def test_non_string_values_pass_through_excerpt():
    data = {"n": 5, "none": None, "list": ["<b>x</b>"]}
    assert pick_fields(data, "*:excerpt(2)") == data


@pytest.mark.parametrize(
    "expr",
    [
        "body:excerpt(0)",
        "body:excerpt(-1)",
        "body:excerpt()",
        "body:excerpt",
        "body:excerpt(10,true,1)",
        "body:nope(1)",
        "body:excerpt(abc)",
        "(title",
        'tit"le',
        "title:excerpt(5,'x)",
    ],
)
def test_invalid_expressions_are_a_generic_400(expr):
    with pytest.raises(BadRequestError) as exc:
        pick_fields(RECORD, expr)
    assert exc.value.to_dict() == {
        "status": 400,
        "message": "Something went wrong while processing your request.",
        "data": {},
    }


@pytest.mark.parametrize(
    ("args", "want"),
    [
        ("10", "Lorem ipsu"),
        ("10,true", "Lorem ipsu..."),
        ("10,1", "Lorem ipsu..."),
        ("10,t", "Lorem ipsu..."),
        ("10,TRUE", "Lorem ipsu..."),
        ("10,yes", "Lorem ipsu"),
        ("10,on", "Lorem ipsu"),
        ('5, "true"', "Lorem"),
        ("3.7", "Lor"),
        (" 10 , true ", "Lorem ipsu..."),
        ("20,t", "Lorem ipsum dolor si..."),
    ],
)
def test_excerpt_arguments(args, want):
    assert pick_fields(RECORD, f"body:excerpt({args})") == {"body": want}


def test_an_excerpt_past_the_parser_limit_leaves_the_response_unfiltered():
    # PocketBase 0.40.6: its HTML parser refuses nesting past 512 elements, and the response
    # (one record or a whole list) then goes out as if `fields` had not been given
    deep = {**RECORD, "body": "<b>" * 700 + "deep"}
    assert pick_fields(deep, "id,body:excerpt(10,true)") is deep
    body = list_result(1, 2, 2, [RECORD, deep])
    assert pick_fields(body, "id,body:excerpt(10,true)", items_only=True) is body
    assert pick_fields(deep, "id,title") == {"id": RECORD["id"], "title": "T1"}


def test_parse_fields_keeps_last_modifier_per_path():
    assert parse_fields("a:excerpt(3),b,a") == {"a": None, "b": None}
    assert parse_fields("a,a:excerpt(3,true)") == {"a": ExcerptModifier(3, True)}
    assert parse_fields("a.b:excerpt(0x10)") == {"a.b": ExcerptModifier(16, False)}
