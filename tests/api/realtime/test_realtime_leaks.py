"""A subscriber never receives a record it could not read through the REST API, on any transport.

Each case has one subscriber with access and one without, both on `coll/*`, `coll/ID` and a
public marker collection; the marker event, written last, proves the fan-out has finished.
"""

from __future__ import annotations

from tests.api.realtime.conftest import marker

MARK = "rt_marker/*"


async def _users_with_role(api):
    users = (await api.su("GET", "/api/collections/users")).json()
    fields = [*users["fields"], {"name": "role", "type": "text"}]
    r = await api.su("PATCH", "/api/collections/users", json={"fields": fields})
    assert r.status_code == 200, r.text
    return users


async def _watch(rt, token, coll, record_id):
    client = await rt(token)
    assert await client.subscribe(f"{coll}/*", f"{coll}/{record_id}", MARK) == 204
    return client


async def _write_all(api, coll, record_id, data):
    r = await api.su("PATCH", f"/api/collections/{coll}/records/{record_id}", json=data)
    assert r.status_code == 200, r.text
    created = await api.create_record(coll, data)
    r = await api.su("DELETE", f"/api/collections/{coll}/records/{created['id']}")
    assert r.status_code == 204
    await marker(api)


def _seen(events):
    return [(e.name.split("/")[1], e.data["action"]) for e in events if e.name != MARK]


async def test_owner_rule(api, rt):
    alice, alice_token = await api.create_user("alice@example.com")
    _, bob_token = await api.create_user("bob@example.com")
    rule = "owner = @request.auth.id"
    await api.create_collection(
        {
            "name": "notes",
            "listRule": rule,
            "viewRule": rule,
            "fields": [
                {"name": "text", "type": "text"},
                {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
            ],
        }
    )
    note = await api.create_record("notes", {"text": "x", "owner": alice["id"]})
    owner = await _watch(rt, alice_token, "notes", note["id"])
    other = await _watch(rt, bob_token, "notes", note["id"])
    guest = await _watch(rt, None, "notes", note["id"])
    await _write_all(api, "notes", note["id"], {"text": "y", "owner": alice["id"]})
    assert _seen(await other.until(MARK)) == []
    assert _seen(await guest.until(MARK)) == []
    assert _seen(await owner.until(MARK)) == [
        ("*", "update"),
        (note["id"], "update"),
        ("*", "create"),
        ("*", "delete"),
    ]


async def test_role_rule(api, rt):
    await _users_with_role(api)
    _, admin_token = await api.create_user("admin@example.com", role="admin")
    _, user_token = await api.create_user("user@example.com", role="user")
    rule = '@request.auth.role = "admin"'
    await api.create_collection(
        {"name": "reports", "listRule": rule, "viewRule": rule, "fields": [{"name": "text", "type": "text"}]}
    )
    report = await api.create_record("reports", {"text": "x"})
    admin = await _watch(rt, admin_token, "reports", report["id"])
    user = await _watch(rt, user_token, "reports", report["id"])
    await _write_all(api, "reports", report["id"], {"text": "y"})
    assert _seen(await user.until(MARK)) == []
    assert _seen(await admin.until(MARK)) == [
        ("*", "update"),
        (report["id"], "update"),
        ("*", "create"),
        ("*", "delete"),
    ]


async def test_relation_rule(api, rt):
    member, member_token = await api.create_user("member@example.com")
    _, outsider_token = await api.create_user("outsider@example.com")
    rule = "members.id ?= @request.auth.id"
    await api.create_collection(
        {
            "name": "projects",
            "listRule": rule,
            "viewRule": rule,
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "members", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 5},
            ],
        }
    )
    project = await api.create_record("projects", {"title": "p", "members": [member["id"]]})
    inside = await _watch(rt, member_token, "projects", project["id"])
    outside = await _watch(rt, outsider_token, "projects", project["id"])
    # judged on each event's own version: the member must not see the version without them,
    # even if the row already has them back by the time the event is fanned out
    for members, title in (([], "hidden"), ([member["id"]], "back")):
        r = await api.su(
            "PATCH",
            f"/api/collections/projects/records/{project['id']}",
            json={"title": title, "members": members},
        )
        assert r.status_code == 200, r.text
    await _write_all(api, "projects", project["id"], {"title": "q", "members": [member["id"]]})
    assert _seen(await outside.until(MARK)) == []
    events = [e for e in await inside.until(MARK) if e.name != MARK]
    assert [e.data["record"]["title"] for e in events if e.name == "projects/*"] == ["back", "q", "q", "q"]
    assert _seen(events) == [
        ("*", "update"),
        (project["id"], "update"),
        ("*", "update"),
        (project["id"], "update"),
        ("*", "create"),
        ("*", "delete"),
    ]


async def test_superuser_only_collection(api, rt):
    _, user_token = await api.create_user("user@example.com")
    await api.create_collection({"name": "vault", "fields": [{"name": "text", "type": "text"}]})
    item = await api.create_record("vault", {"text": "x"})
    su = await _watch(rt, api.superuser_token, "vault", item["id"])
    user = await _watch(rt, user_token, "vault", item["id"])
    guest = await _watch(rt, None, "vault", item["id"])
    await _write_all(api, "vault", item["id"], {"text": "y"})
    assert _seen(await user.until(MARK)) == []
    assert _seen(await guest.until(MARK)) == []
    assert _seen(await su.until(MARK)) == [
        ("*", "update"),
        (item["id"], "update"),
        ("*", "create"),
        ("*", "delete"),
    ]


async def test_expand_of_an_unviewable_relation_is_omitted(api, rt):
    secrets = await api.create_collection({"name": "secrets", "fields": [{"name": "code", "type": "text"}]})
    await api.create_collection(
        {
            "name": "posts",
            "listRule": "",
            "viewRule": "",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "secret", "type": "relation", "collectionId": secrets["id"], "maxSelect": 1},
            ],
        }
    )
    secret = await api.create_record("secrets", {"code": "s3cr3t"})
    sub = 'posts/*?options={"query":{"expand":"secret"}}'
    guest = await rt()
    su = await rt(api.superuser_token)
    for client in (guest, su):
        assert await client.subscribe(sub) == 204
    await api.create_record("posts", {"title": "t", "secret": secret["id"]})
    guest_event = await guest.next()
    assert guest_event.data["record"]["expand"] == {}
    su_event = await su.next()
    assert su_event.data["record"]["expand"]["secret"]["code"] == "s3cr3t"


async def test_hidden_fields_only_for_superusers(api, rt):
    await api.create_collection(
        {
            "name": "posts",
            "listRule": "",
            "viewRule": "",
            "fields": [{"name": "title", "type": "text"}, {"name": "note", "type": "text", "hidden": True}],
        }
    )
    guest = await rt()
    su = await rt(api.superuser_token)
    for client in (guest, su):
        assert await client.subscribe("posts/*") == 204
    await api.create_record("posts", {"title": "t", "note": "internal"})
    assert "note" not in (await guest.next()).data["record"]
    assert (await su.next()).data["record"]["note"] == "internal"


async def test_filter_on_superuser_only_fields_matches_nothing_for_others(api, rt):
    await api.create_collection(
        {"name": "posts", "listRule": "", "viewRule": "", "fields": [{"name": "title", "type": "text"}]}
    )
    guest = await rt()
    sub = 'posts/*?options={"query":{"filter":"@collection.posts.title != \'\'"}}'
    assert await guest.subscribe(sub, MARK) == 204
    await api.create_record("posts", {"title": "t"})
    await marker(api)
    assert [e.name for e in await guest.until(MARK)] == [MARK]


async def test_relation_rule_over_every_field_type(api, rt):
    """The rule is checked against the event's values typed like the table (matters on PostgreSQL)."""
    owner, owner_token = await api.create_user("owner@example.com")
    await api.create_collection(
        {
            "name": "items",
            "listRule": "owner.id = @request.auth.id && public = true && n > 1 && tags:each ?= 'a' && meta.k = 'v'"
            " && day > '2000-01-01' && site != ''",
            "viewRule": "",
            "fields": [
                {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
                {"name": "public", "type": "bool"},
                {"name": "n", "type": "number"},
                {"name": "tags", "type": "select", "values": ["a", "b"], "maxSelect": 2},
                {"name": "meta", "type": "json"},
                {"name": "day", "type": "date"},
                {"name": "site", "type": "url"},
                {"name": "where", "type": "geoPoint"},
            ],
        }
    )
    watcher = await rt(owner_token)
    assert await watcher.subscribe("items/*", MARK) == 204
    good = {
        "owner": owner["id"],
        "public": True,
        "n": 2,
        "tags": ["a"],
        "meta": {"k": "v"},
        "day": "2024-01-01 00:00:00.000Z",
        "site": "https://example.com",
    }
    await api.create_record("items", {**good, "public": False})
    await api.create_record("items", {**good, "n": 1})
    await api.create_record("items", {**good, "meta": {"k": "w"}})
    seen = await api.create_record("items", good)
    await marker(api)
    listed = (await api.request("GET", "/api/collections/items/records", token=owner_token)).json()
    assert [r["id"] for r in listed["items"]] == [seen["id"]]  # the REST API agrees
    events = [e for e in await watcher.until(MARK) if e.name != MARK]
    assert [e.data["record"]["id"] for e in events] == [seen["id"]]


async def test_email_only_to_the_record_itself_and_superusers(api, rt):
    r = await api.su("PATCH", "/api/collections/users", json={"listRule": "", "viewRule": ""})
    assert r.status_code == 200, r.text
    alice, alice_token = await api.create_user("alice@example.com")
    bob, _ = await api.create_user("bob@example.com")
    watcher = await rt(alice_token)
    su = await rt(api.superuser_token)
    for client in (watcher, su):
        assert await client.subscribe("users/*") == 204
    for user in (bob, alice):
        r = await api.su("PATCH", f"/api/collections/users/records/{user['id']}", json={"name": "renamed"})
        assert r.status_code == 200, r.text
    seen = [(await watcher.next()).data["record"] for _ in range(2)]
    assert [(u["id"], u.get("email")) for u in seen] == [
        (bob["id"], None),
        (alice["id"], "alice@example.com"),
    ]
    assert all("password" not in u and "tokenKey" not in u for u in seen)
    assert [(await su.next()).data["record"]["email"] for _ in range(2)] == [
        "bob@example.com",
        "alice@example.com",
    ]
