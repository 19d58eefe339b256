"""View collections: fields inferred from a SELECT, read-only records, PocketBase's validation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiClient


async def _posts(api: ApiClient) -> dict[str, Any]:
    posts = await api.create_collection(
        {
            "name": "posts",
            "listRule": "",
            "viewRule": "",
            "fields": [
                {"name": "title", "type": "text", "required": True, "max": 80},
                {"name": "views", "type": "number"},
                {"name": "author", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
                {"name": "tags", "type": "select", "values": ["a", "b"], "maxSelect": 2},
            ],
        }
    )
    user, _ = await api.create_user("writer@example.com")
    for i, tags in enumerate((["a"], ["a", "b"], [])):
        await api.create_record(
            "posts", {"title": f"post {i}", "views": i * 10, "tags": tags, "author": user["id"]}
        )
    return posts


async def _create_view(api: ApiClient, query: str, **extra: Any) -> Any:
    return await api.su(
        "POST", "/api/collections", json={"name": "stats", "type": "view", "viewQuery": query, **extra}
    )


async def test_fields_are_inferred_from_the_query(api: ApiClient) -> None:
    posts = await _posts(api)
    r = await _create_view(
        api,
        "SELECT p.id, p.title AS name, p.views, p.author, p.tags, p.id AS post, "
        "CAST(p.views AS int) AS whole, count(p.id) AS n, 'x' AS lit FROM posts p GROUP BY p.id",
        listRule="",
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["type"] == "view" and body["createRule"] is None
    fields = {f["name"]: f for f in body["fields"]}
    assert list(fields) == ["id", "name", "views", "author", "tags", "post", "whole", "n", "lit"]
    assert fields["id"] | {"id": ""} == {
        "autogeneratePattern": "",
        "help": "",
        "hidden": False,
        "id": "",
        "max": 0,
        "min": 0,
        "name": "id",
        "pattern": "^[a-z0-9]+$",
        "presentable": False,
        "primaryKey": True,
        "required": True,
        "system": True,
        "type": "text",
    }
    # a collection field keeps its definition under the new name, with a fresh id
    assert fields["name"]["type"] == "text" and fields["name"]["max"] == 80 and fields["name"]["required"]
    assert fields["name"]["id"].startswith("_clone_")
    assert fields["tags"]["values"] == ["a", "b"] and fields["tags"]["maxSelect"] == 2
    assert fields["author"]["collectionId"] == "_pb_users_auth_"
    # x.id becomes a single relation to x's collection
    assert fields["post"]["type"] == "relation" and fields["post"]["collectionId"] == posts["id"]
    assert fields["post"]["maxSelect"] == 1
    assert (fields["whole"]["type"], fields["whole"]["onlyInt"]) == ("number", True)
    assert (fields["n"]["type"], fields["n"]["onlyInt"]) == ("number", True)
    assert fields["lit"]["type"] == "json" and fields["lit"]["maxSize"] == 1


async def test_records_are_listed_filtered_sorted_and_expanded(api: ApiClient) -> None:
    await _posts(api)
    r = await _create_view(
        api, "SELECT p.id, p.title, p.views, p.author, 'x' AS lit FROM posts p", listRule="", viewRule=""
    )
    assert r.status_code == 200, r.text
    r = await api.request("GET", "/api/collections/stats/records?sort=-views&filter=views>0&expand=author")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["title"] for i in items] == ["post 2", "post 1"]
    assert items[0]["collectionName"] == "stats" and items[0]["lit"] == "x" and items[0]["views"] == 20
    # the users collection's own rules still apply to the expanded record: superusers only
    assert items[0].get("expand", {}) == {}
    r = await api.su(
        "GET", "/api/collections/stats/records?sort=views&expand=author&fields=id,title,expand.author.email"
    )
    assert r.json()["items"][0]["expand"]["author"]["email"] == "writer@example.com"
    one = await api.request("GET", f"/api/collections/stats/records/{items[0]['id']}")
    assert one.status_code == 200 and one.json()["title"] == "post 2"
    missing = await api.request("GET", "/api/collections/stats/records/nope")
    assert missing.status_code == 404


async def test_views_are_read_only(api: ApiClient) -> None:
    await _posts(api)
    assert (await _create_view(api, "SELECT id, title FROM posts")).status_code == 200
    record_id = (await api.su("GET", "/api/collections/stats/records")).json()["items"][0]["id"]
    for method, url in (
        ("POST", "/api/collections/stats/records"),
        ("PATCH", f"/api/collections/stats/records/{record_id}"),
        ("DELETE", f"/api/collections/stats/records/{record_id}"),
    ):
        r = await api.su(method, url, json={"title": "x"})
        assert (r.status_code, r.json()["message"]) == (400, "Unsupported collection type."), (method, r.text)
    assert (await api.su("DELETE", "/api/collections/stats/truncate")).status_code == 400
    assert (await api.su("GET", "/api/collections/posts/records")).json()["totalItems"] == 3


async def test_ids_of_other_types_are_read_as_text(api: ApiClient) -> None:
    await _posts(api)
    r = await _create_view(
        api, "SELECT (ROW_NUMBER() OVER()) AS id, title FROM posts", listRule="", viewRule=""
    )
    assert r.status_code == 200, r.text
    items = (await api.request("GET", "/api/collections/stats/records?sort=title")).json()["items"]
    assert sorted(i["id"] for i in items) == ["1", "2", "3"]
    assert (await api.request("GET", "/api/collections/stats/records/2")).status_code == 200


@pytest.mark.parametrize(
    ("query", "message", "fields_code"),
    [
        ("SELECT * FROM posts", "wildcard columns (*) are not supported", "validation_required"),
        ("SELECT title FROM posts", "missing required id column", "validation_missing_primary_key"),
        (
            "SELECT id FROM posts; DELETE FROM posts",
            "multiple statements are not supported",
            "validation_required",
        ),
        ("SELECT id, nope FROM posts", "nope", "validation_required"),
        ("SELECT 'same' AS id FROM posts", "the query could return records with non-unique ids", None),
        ("SELECT id, p.views + 1 AS v FROM posts p", "invalid identifier parts", "validation_required"),
    ],
)
async def test_a_query_that_cannot_be_a_view_is_refused(
    api: ApiClient, query: str, message: str, fields_code: str | None
) -> None:
    await _posts(api)
    r = await _create_view(api, query)
    assert r.status_code == 400, r.text
    data = r.json()["data"]
    assert data["viewQuery"]["code"] == "validation_invalid_view_query"
    assert (
        data["viewQuery"]["message"].startswith("Invalid query - ")
        and message in data["viewQuery"]["message"]
    )
    assert data.get("fields", {}).get("code") == fields_code
    assert (await api.su("GET", "/api/collections/stats")).status_code == 404
    assert (await api.su("GET", "/api/collections/posts/records")).json()["totalItems"] == 3


async def test_write_rules_indexes_and_a_blank_query_are_refused(api: ApiClient) -> None:
    await _posts(api)
    r = await _create_view(
        api, "SELECT id FROM posts", createRule="", indexes=["CREATE INDEX idx_x ON stats (id)"]
    )
    assert r.status_code == 400
    data = r.json()["data"]
    assert data["createRule"] == {"code": "validation_nil", "message": "Must be blank."}
    assert data["indexes"]["code"] == "validation_indexes_not_supported"
    r = await api.su("POST", "/api/collections", json={"name": "empty", "type": "view"})
    assert r.json()["data"]["viewQuery"] == {"code": "validation_required", "message": "Cannot be blank."}


async def test_changing_the_query_renames_and_reinfers(api: ApiClient) -> None:
    await _posts(api)
    created = (await _create_view(api, "SELECT id, title FROM posts", listRule="")).json()
    r = await api.su(
        "PATCH",
        "/api/collections/stats",
        json={"name": "summary", "viewQuery": "SELECT id, views FROM posts"},
    )
    assert r.status_code == 200, r.text
    assert [f["name"] for f in r.json()["fields"]] == ["id", "views"] and r.json()["id"] == created["id"]
    items = (await api.request("GET", "/api/collections/summary/records?sort=views")).json()["items"]
    assert [i["views"] for i in items] == [0, 10, 20] and "title" not in items[0]
    assert (await api.request("GET", "/api/collections/stats/records")).status_code == 404


async def test_source_changes_reach_the_view_or_are_refused(api: ApiClient) -> None:
    posts = await _posts(api)
    assert (await _create_view(api, "SELECT id, title, views FROM posts", listRule="")).status_code == 200
    # a changed option of a source field is re-inferred into the view
    fields = posts["fields"]
    for f in fields:
        if f["name"] == "title":
            f["max"] = 120
    r = await api.su("PATCH", "/api/collections/posts", json={"fields": fields})
    assert r.status_code == 200, r.text
    view = (await api.su("GET", "/api/collections/stats")).json()
    assert next(f for f in view["fields"] if f["name"] == "title")["max"] == 120
    # dropping a column the view reads is refused, and nothing changes
    r = await api.su(
        "PATCH", "/api/collections/posts", json={"fields": [f for f in fields if f["name"] != "views"]}
    )
    assert r.status_code == 400 and r.json()["message"].startswith("Failed to update collection.")
    assert any(f["name"] == "views" for f in (await api.su("GET", "/api/collections/posts")).json()["fields"])
    # so is deleting the collection; once the view goes, the collection can go too
    r = await api.su("DELETE", "/api/collections/posts")
    assert (r.status_code, r.json()["message"]) == (400, "Failed to delete collection.")
    assert (await api.request("GET", "/api/collections/stats/records")).json()["totalItems"] == 3
    assert (await api.su("DELETE", "/api/collections/stats")).status_code == 204
    assert (await api.su("DELETE", "/api/collections/posts")).status_code == 204


async def test_a_view_with_a_relation_to_a_collection_blocks_its_deletion(api: ApiClient) -> None:
    await _posts(api)
    assert (await _create_view(api, "SELECT p.id, p.id AS post FROM posts p")).status_code == 200
    r = await api.su("DELETE", "/api/collections/posts")
    assert r.json()["message"] == "Failed to delete collection probably due to existing reference in stats."
