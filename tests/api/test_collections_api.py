"""Collections API: superuser-only CRUD, validation errors, real table changes."""

from __future__ import annotations

POSTS = {
    "name": "posts",
    "type": "base",
    "listRule": "",
    "viewRule": "",
    "createRule": "",
    "updateRule": "",
    "deleteRule": "",
    "fields": [
        {"name": "title", "type": "text", "required": True, "max": 50},
        {"name": "views", "type": "number"},
        {"name": "published", "type": "bool"},
        {"name": "tags", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3},
    ],
}


async def test_fresh_install_has_system_collections(api):
    r = await api.su("GET", "/api/collections?perPage=100")
    assert r.status_code == 200
    by_name = {c["name"]: c for c in r.json()["items"]}
    assert by_name["_superusers"]["id"] == "pbc_3142635823"
    assert by_name["users"]["id"] == "_pb_users_auth_"
    assert {"_mfas", "_otps", "_externalAuths", "_authOrigins"} <= set(by_name)
    assert "secret" not in str(by_name["users"]["authToken"])


async def test_collections_require_superuser(api):
    assert (await api.request("GET", "/api/collections")).status_code == 401
    _, token = await api.create_user("u1@example.com")
    assert (await api.request("GET", "/api/collections", token=token)).status_code == 403


async def test_create_view_update_delete_collection(api):
    created = await api.create_collection(POSTS)
    assert created["name"] == "posts"
    assert created["id"].startswith("pbc_")
    assert [f["name"] for f in created["fields"]][:2] == ["id", "title"]
    view = await api.su("GET", "/api/collections/posts")
    assert view.json()["id"] == created["id"]

    fields = created["fields"] + [{"name": "body", "type": "editor"}]
    upd = await api.su(
        "PATCH", f"/api/collections/{created['id']}", json={"name": "articles", "fields": fields}
    )
    assert upd.status_code == 200, upd.text
    assert upd.json()["name"] == "articles"
    rec = await api.create_record("articles", {"title": "hello", "body": "<p>x</p>"})
    assert rec["body"] == "<p>x</p>"

    assert (await api.su("DELETE", "/api/collections/articles")).status_code == 204
    assert (await api.su("GET", "/api/collections/articles")).status_code == 404
    assert not await api.app.db.table_exists("articles")


async def test_removing_a_field_drops_its_column(api):
    created = await api.create_collection(POSTS)
    fields = [f for f in created["fields"] if f["name"] != "views"]
    r = await api.su("PATCH", "/api/collections/posts", json={"fields": fields})
    assert r.status_code == 200, r.text
    assert "views" not in await api.app.db.table_columns("posts")


async def test_a_select_turned_multiple_and_back_keeps_its_values(api):
    created = await api.create_collection(
        {**POSTS, "fields": [{"name": "tag", "type": "select", "values": ["a", "b", "c"], "maxSelect": 1}]}
    )
    one = await api.create_record("posts", {"tag": "b"})
    none = await api.create_record("posts", {})
    fields = created["fields"]
    tag = next(f for f in fields if f["name"] == "tag")

    async def with_max_select(n):
        others = [f for f in fields if f["name"] != "tag"]
        r = await api.su(
            "PATCH", f"/api/collections/{created['id']}", json={"fields": [*others, {**tag, "maxSelect": n}]}
        )
        assert r.status_code == 200, r.text
        return {
            r["id"]: r["tag"] for r in (await api.su("GET", "/api/collections/posts/records")).json()["items"]
        }

    assert await with_max_select(3) == {one["id"]: ["b"], none["id"]: []}
    assert await with_max_select(1) == {one["id"]: "b", none["id"]: ""}


async def test_collection_validation_errors(api):
    r = await api.su("POST", "/api/collections", json={"name": "", "type": "base"})
    assert r.status_code == 400
    assert r.json()["data"]["name"]["code"] == "validation_required"
    await api.create_collection(POSTS)
    dup = await api.su("POST", "/api/collections", json={"name": "POSTS"})
    assert dup.status_code == 400
    assert "name" in dup.json()["data"]
    bad_rule = await api.su("POST", "/api/collections", json={"name": "x1", "listRule": "nope = 1"})
    assert bad_rule.status_code == 400
    assert "listRule" in bad_rule.json()["data"]
    bad_name = await api.su("POST", "/api/collections", json={"name": "bad name!"})
    assert bad_name.status_code == 400


async def test_system_collection_cannot_be_deleted(api):
    r = await api.su("DELETE", "/api/collections/_superusers")
    assert r.status_code == 400


async def test_truncate_removes_all_records(api):
    await api.create_collection(POSTS)
    for i in range(3):
        await api.create_record("posts", {"title": f"t{i}"})
    assert (await api.su("DELETE", "/api/collections/posts/truncate")).status_code == 204
    r = await api.su("GET", "/api/collections/posts/records")
    assert r.json()["totalItems"] == 0


async def test_indexes_are_created_and_validated(api):
    data = dict(POSTS, indexes=["CREATE UNIQUE INDEX idx_posts_title ON posts (title)"])
    await api.create_collection(data)
    await api.create_record("posts", {"title": "same"})
    r = await api.su("POST", "/api/collections/posts/records", json={"title": "same"})
    assert r.status_code == 400
    assert r.json()["data"]["title"]["code"] == "validation_not_unique"
    bad = await api.su("POST", "/api/collections", json={"name": "x2", "indexes": ["DROP TABLE posts"]})
    assert bad.status_code == 400


async def test_scaffolds(api):
    r = await api.su("GET", "/api/collections/meta/scaffolds")
    assert r.status_code == 200
    assert set(r.json()) == {"auth", "base", "view"}


async def test_import_collections(api):
    r = await api.su(
        "PUT", "/api/collections/import", json={"collections": [POSTS, dict(POSTS, name="notes")]}
    )
    assert r.status_code == 204, r.text
    names = {c["name"] for c in (await api.su("GET", "/api/collections?perPage=100")).json()["items"]}
    assert {"posts", "notes"} <= names


async def test_list_collections_filter_and_sort(api):
    await api.create_collection(POSTS)
    r = await api.su("GET", "/api/collections", params={"filter": "system = false", "sort": "-name"})
    assert r.status_code == 200, r.text
    assert [c["name"] for c in r.json()["items"]] == ["users", "posts"]
    bad = await api.su("GET", "/api/collections", params={"filter": "nope = 1"})
    assert bad.status_code == 400
