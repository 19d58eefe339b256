"""The grammar-generated filters through the real list API: never a 5xx, never a leak.

The rules world's collections (teams, users' extra fields, posts with every field type the
grammar names, members) are made real collections; each generated filter is sent to
GET /api/collections/posts/records as a guest and as a superuser, with a sort, on SQLite and on
PostgreSQL. filter_agreement.py checks the rows the filters select; this checks what the API
makes of them (the list rule's guard, the store's error mapping, the answer's encoding).
"""

from __future__ import annotations

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.conftest import ApiClient
from tests.fuzz.filter_grammar import ANY_FILTER
from tests.fuzz.hostile_input import SETTINGS, assert_sane

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
async def posts(api: ApiClient) -> None:
    users = (await api.su("GET", "/api/collections/users")).json()
    teams = await api.create_collection(
        {"name": "teams", "listRule": "", "fields": [{"name": "name", "type": "text"}]}
    )
    fields = users["fields"] + [
        {"name": "age", "type": "number"},
        {"name": "team", "type": "relation", "collectionId": teams["id"], "maxSelect": 1},
    ]
    r = await api.su("PATCH", f"/api/collections/{users['id']}", json={"fields": fields})
    assert r.status_code == 200, r.text
    relation = {"type": "relation", "collectionId": users["id"]}
    await api.create_collection(
        {
            "name": "posts",
            "listRule": "",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "views", "type": "number"},
                {"name": "published", "type": "bool"},
                {"name": "tags", "type": "select", "values": ["a", "b", "c", "A", "é"], "maxSelect": 3},
                {"name": "author", **relation, "maxSelect": 1},
                {"name": "reviewers", **relation, "maxSelect": 3},
                {"name": "meta", "type": "json"},
                {"name": "created", "type": "date"},
                {"name": "loc", "type": "geoPoint"},
                {"name": "secret", "type": "text", "hidden": True},
            ],
        }
    )
    await api.create_collection(
        {
            "name": "members",
            "listRule": "",
            "fields": [
                {"name": "user", **relation, "maxSelect": 1},
                {"name": "team", "type": "relation", "collectionId": teams["id"], "maxSelect": 1},
                {"name": "level", "type": "number"},
            ],
        }
    )
    await api.create_record("posts", {"title": "Hello", "views": 5, "tags": ["a"], "meta": {"a": 1}})


@SETTINGS
@given(filter_=ANY_FILTER, sort=st.sampled_from(["", "-views", "title,-created", "@random", "author.name"]))
async def test_generated_filters_never_fail_the_list_api(
    api: ApiClient, posts: None, filter_: str, sort: str
) -> None:
    params = {"filter": filter_, "sort": sort}
    for caller, token in (("guest", None), ("superuser", api.superuser_token)):
        r = await api.request("GET", "/api/collections/posts/records", token=token, params=params)
        event(f"{caller} {r.status_code}")  # printed by --hypothesis-show-statistics (make fuzz)
        assert_sane(r)
