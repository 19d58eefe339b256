"""Records API on both databases: CRUD, list parameters, modifiers, expand, fields, rules."""

from __future__ import annotations

from tests.api.conftest import titles


async def test_list_shape_and_defaults(api, blog):
    r = await api.request("GET", "/api/collections/posts/records")
    body = r.json()
    assert list(body) == ["items", "page", "perPage", "totalItems", "totalPages"]
    assert (body["page"], body["perPage"], body["totalItems"], body["totalPages"]) == (1, 30, 4, 1)
    item = body["items"][0]
    assert item["collectionName"] == "posts"
    assert list(item) == sorted(item)


async def test_filter_and_sort(api, blog):
    assert await titles(api, "filter=views>10&sort=-views") == ["gamma", "beta"]
    assert await titles(api, "filter=(title~'a' %26%26 published=true)&sort=title") == [
        "alpha",
        "delta",
        "gamma",
    ]
    assert await titles(api, "filter=tags:each?='py'&sort=title") == ["beta", "gamma"]
    # A relation path applies the related collection's list rule: users are private to themselves.
    assert await titles(api, "filter=author.name='Bob'&sort=views") == []
    assert await titles(api, "filter=author.name='Bob'&sort=views", token=blog["bob_token"]) == [
        "delta",
        "gamma",
    ]
    assert await titles(api, "filter=author.name='Bob'&sort=views", token=api.superuser_token) == [
        "delta",
        "gamma",
    ]
    assert await titles(api, "sort=-published,title") == ["alpha", "delta", "gamma", "beta"]


async def test_paging_and_skip_total(api, blog):
    r = await api.request("GET", "/api/collections/posts/records?page=2&perPage=3&sort=title")
    body = r.json()
    assert [i["title"] for i in body["items"]] == ["gamma"]
    assert (body["totalItems"], body["totalPages"]) == (4, 2)
    r = await api.request("GET", "/api/collections/posts/records?skipTotal=1")
    assert (r.json()["totalItems"], r.json()["totalPages"]) == (-1, -1)


async def test_invalid_filter_is_400_without_sql(api, blog):
    for bad in ["title=", "nope=1", "title = 'x' ||", "(title='x'"]:
        r = await api.request("GET", "/api/collections/posts/records", params={"filter": bad})
        assert r.status_code == 400, bad
        assert "SELECT" not in r.text and "sqlite" not in r.text.lower()
    r = await api.request("GET", "/api/collections/posts/records", params={"sort": "nope"})
    assert r.status_code == 400


async def test_injection_stays_a_parameter(api, blog):
    r = await api.request(
        "GET", "/api/collections/posts/records", params={"filter": 'title = "x\' OR 1=1 --"'}
    )
    assert r.status_code == 200
    assert r.json()["items"] == []


async def test_expand_and_back_relation(api, blog):
    r = await api.request(
        "GET",
        f"/api/collections/posts/records/{blog['ids']['alpha']}",
        params={"expand": "author,comments_via_post"},
        token=blog["alice_token"],
    )
    body = r.json()
    assert body["expand"]["author"]["name"] == "Alice"
    assert [c["body"] for c in body["expand"]["comments_via_post"]] == ["nice"]


async def test_expand_respects_related_view_rule(api, blog):
    # users.viewRule is "id = @request.auth.id": anonymous callers cannot see authors.
    r = await api.request(
        "GET", f"/api/collections/posts/records/{blog['ids']['alpha']}", params={"expand": "author"}
    )
    assert "expand" not in r.json() or "author" not in r.json()["expand"]


async def test_fields_parameter(api, blog):
    r = await api.request(
        "GET", "/api/collections/posts/records", params={"fields": "id,title", "sort": "title"}
    )
    assert r.json()["items"][0].keys() == {"id", "title"}


async def test_create_validation_errors(api, blog):
    r = await api.request(
        "POST",
        "/api/collections/posts/records",
        token=blog["alice_token"],
        json={"title": "x" * 21, "views": "many"},
    )
    assert r.status_code == 400
    data = r.json()["data"]
    assert data["title"]["code"].startswith("validation_")
    r = await api.request("POST", "/api/collections/posts/records", token=blog["alice_token"], json={})
    assert r.json()["data"]["title"]["code"] == "validation_required"
    r = await api.request(
        "POST",
        "/api/collections/posts/records",
        token=blog["alice_token"],
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400


async def test_create_rule_denies_anonymous_with_400(api, blog):
    r = await api.request("POST", "/api/collections/posts/records", json={"title": "anon"})
    assert r.status_code == 400
    assert (await api.su("GET", "/api/collections/posts/records")).json()["totalItems"] == 4


async def test_update_and_delete_rules_answer_404(api, blog):
    alpha = blog["ids"]["alpha"]
    r = await api.request(
        "PATCH", f"/api/collections/posts/records/{alpha}", token=blog["bob_token"], json={"title": "hacked"}
    )
    assert r.status_code == 404
    r = await api.request("DELETE", f"/api/collections/posts/records/{alpha}", token=blog["bob_token"])
    assert r.status_code == 404
    r = await api.request(
        "PATCH", f"/api/collections/posts/records/{alpha}", token=blog["alice_token"], json={"title": "mine"}
    )
    assert r.status_code == 200 and r.json()["title"] == "mine"


async def test_null_rule_is_superuser_only(api, blog):
    await api.create_collection({"name": "secrets", "fields": [{"name": "v", "type": "text"}]})
    assert (
        await api.request("GET", "/api/collections/secrets/records", token=blog["alice_token"])
    ).status_code == 403
    assert (await api.su("GET", "/api/collections/secrets/records")).status_code == 200


async def test_field_modifiers(api, blog):
    alpha = blog["ids"]["alpha"]
    url = f"/api/collections/posts/records/{alpha}"
    r = await api.request("PATCH", url, token=blog["alice_token"], json={"tags+": "py", "views+": 5})
    assert r.json()["tags"] == ["go", "py"] and r.json()["views"] == 15
    r = await api.request(
        "PATCH", url, token=blog["alice_token"], json={"+tags": "js", "tags-": ["go"], "views-": 1}
    )
    assert r.json()["tags"] == ["js", "py"] and r.json()["views"] == 14


async def test_delete_cascades(api, blog):
    alpha = blog["ids"]["alpha"]
    r = await api.request("DELETE", f"/api/collections/posts/records/{alpha}", token=blog["alice_token"])
    assert r.status_code == 204
    assert (await api.su("GET", "/api/collections/comments/records")).json()["totalItems"] == 0


async def test_required_relation_blocks_delete(api, blog):
    posts = (await api.su("GET", "/api/collections/posts")).json()
    await api.create_collection(
        {
            "name": "pins",
            "listRule": "",
            "fields": [
                {
                    "name": "post",
                    "type": "relation",
                    "collectionId": posts["id"],
                    "maxSelect": 1,
                    "required": True,
                }
            ],
        }
    )
    await api.create_record("pins", {"post": blog["ids"]["gamma"]})
    r = await api.request(
        "DELETE", f"/api/collections/posts/records/{blog['ids']['gamma']}", token=blog["bob_token"]
    )
    assert r.status_code == 400
    assert (await api.su("GET", f"/api/collections/posts/records/{blog['ids']['gamma']}")).status_code == 200


async def test_multipart_with_json_payload(api, blog):
    r = await api.request(
        "POST",
        "/api/collections/posts/records",
        token=blog["alice_token"],
        files={"@jsonPayload": (None, '{"title":"multi","views":3}'), "published": (None, "true")},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["title"], r.json()["views"], r.json()["published"]) == ("multi", 3, True)


async def test_unknown_collection_and_record(api):
    assert (await api.request("GET", "/api/collections/nope/records")).status_code == 404
    r = await api.su("GET", "/api/collections/users/records/doesnotexist123")
    assert r.status_code == 404
    assert r.json() == {"data": {}, "message": "The requested resource wasn't found.", "status": 404}


async def test_email_visibility(api, blog):
    r = await api.request(
        "GET", f"/api/collections/users/records/{blog['alice']['id']}", token=blog["alice_token"]
    )
    assert r.json()["email"] == "alice@example.com"
    await api.su("PATCH", "/api/collections/users", json={"viewRule": ""})
    r = await api.request(
        "GET", f"/api/collections/users/records/{blog['alice']['id']}", token=blog["bob_token"]
    )
    assert r.status_code == 200 and "email" not in r.json()


async def test_rules_see_modifiers_resolved(api):
    """`@request.body.views` is the value after `views+`, as in PocketBase."""
    await api.create_collection(
        {
            "name": "counters",
            "listRule": "",
            "viewRule": "",
            "createRule": "",
            "updateRule": "@request.body.views <= 10",
            "fields": [{"name": "views", "type": "number"}],
        }
    )
    rec = await api.create_record("counters", {"views": 8})
    url = f"/api/collections/counters/records/{rec['id']}"
    assert (await api.request("PATCH", url, json={"views+": 5})).status_code == 404  # 13 > 10
    ok = await api.request("PATCH", url, json={"views+": 2})
    assert ok.status_code == 200 and ok.json()["views"] == 10


async def test_autodate_fields_follow_their_flags(api):
    """Each autodate field takes the write's one timestamp when its flag asks, else keeps its value
    (record_service sets them; the field type only declares the flags)."""
    await api.create_collection(
        {
            "name": "notes",
            "listRule": "",
            "viewRule": "",
            "updateRule": "",
            "fields": [
                {"name": "body", "type": "text"},
                {"name": "created", "type": "autodate", "onCreate": True},
                {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
                {"name": "touched", "type": "autodate", "onUpdate": True},
            ],
        }
    )
    rec = await api.create_record("notes", {"body": "a"})
    assert rec["created"] and rec["created"] == rec["updated"]
    assert rec["touched"] == ""
    r = await api.request("PATCH", f"/api/collections/notes/records/{rec['id']}", json={"body": "b"})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["created"] == rec["created"]
    assert after["updated"] >= rec["updated"] and after["touched"] == after["updated"]
