"""Hostile input never produces a 5xx: random filters, sorts, expands, fields and bodies.

Hypothesis drives the records API of a collection that has every common field type. Any answer
below 500 is acceptable here (the scenario and differential tests pin the exact ones); a 500, or a
response that leaks SQL or a Python traceback, fails.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.hostile_input import SETTINGS, assert_sane, filters

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

FIELD_NAMES = [
    "id",
    "title",
    "views",
    "done",
    "tags",
    "owner",
    "meta",
    "due",
    "created",
    "nope",
    "owner.email",
]
OPERATORS = ["=", "!=", ">", ">=", "<", "<=", "~", "!~", "?=", "?!=", "?>", "?~"]
VALUES = st.one_of(
    st.integers(-10, 10).map(str),
    st.text(max_size=8).map(json.dumps),
    st.sampled_from(["true", "false", "null", "@now", "@request.auth.id", "@request.body.x", "''", '"%"']),
)
COMPARISON = st.builds(
    lambda f, op, v: f"{f} {op} {v}", st.sampled_from(FIELD_NAMES), st.sampled_from(OPERATORS), VALUES
)


FILTER = filters(COMPARISON, max_leaves=6)
JSON_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=8,
)
BODY = st.dictionaries(
    st.sampled_from(FIELD_NAMES + ["tags+", "+tags", "tags-", "views+", "views-", "@jsonPayload"]),
    JSON_VALUE,
    max_size=6,
)


@pytest.fixture
async def world(api):
    await api.create_collection(
        {
            "name": "items",
            "listRule": "",
            "viewRule": "",
            "createRule": "",
            "updateRule": "",
            "deleteRule": "",
            "fields": [
                {"name": "title", "type": "text", "max": 30},
                {"name": "views", "type": "number"},
                {"name": "done", "type": "bool"},
                {"name": "tags", "type": "select", "values": ["a", "b"], "maxSelect": 2},
                {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
                {"name": "meta", "type": "json"},
                {"name": "due", "type": "date"},
            ],
        }
    )
    record = await api.create_record("items", {"title": "seed", "views": 1})
    return record["id"]


@SETTINGS
@given(
    filter_=FILTER,
    sort=st.lists(st.sampled_from(FIELD_NAMES + ["-views", "@random", "+title"]), max_size=3),
    expand=st.sampled_from(["", "owner", "owner.nope", "items_via_owner", "nope"]),
    fields=st.sampled_from(["", "*", "id,title:excerpt(3,true)", "expand.owner.email", ":excerpt("]),
)
async def test_list_parameters(api, world, filter_, sort, expand, fields):
    params = {"filter": filter_, "sort": ",".join(sort), "expand": expand, "fields": fields}
    assert_sane(await api.request("GET", "/api/collections/items/records", params=params))


@SETTINGS
@given(body=BODY)
async def test_create_and_update_bodies(api, world, body):
    assert_sane(await api.request("POST", "/api/collections/items/records", json=body))
    assert_sane(await api.request("PATCH", f"/api/collections/items/records/{world}", json=body))


@SETTINGS
@given(
    raw=st.binary(max_size=64),
    ctype=st.sampled_from(
        [
            "application/json",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "text/plain",
            "",
        ]
    ),
)
async def test_raw_bodies(api, world, raw, ctype):
    assert_sane(
        await api.request(
            "POST", "/api/collections/items/records", content=raw, headers={"content-type": ctype}
        )
    )
