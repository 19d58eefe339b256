"""GET/POST /api/realtime as a PocketBase client sees them, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bastion.core.record_access import Access
from tests.api.realtime.conftest import clients_of, marker, posts_collection

MARK = "rt_marker/*"


async def test_connect_sends_pb_connect_with_the_client_id(sse):
    client = await sse()
    assert client.status == 200
    assert client.headers["content-type"] == "text/event-stream"
    assert client.headers["cache-control"] == "no-store"
    assert client.headers["x-accel-buffering"] == "no"
    assert len(client.client_id) == 40


async def test_subscribe_answers_204_and_unknown_client_404(api, sse):
    client = await sse()
    assert await client.subscribe("posts/*") == 204
    r = await api.request("POST", "/api/realtime", json={"clientId": "nope", "subscriptions": []})
    assert r.status_code == 404
    assert r.json()["message"] == "Missing or invalid client id."


async def test_subscribe_without_client_id_is_a_validation_error(api):
    r = await api.request("POST", "/api/realtime", json={"subscriptions": ["posts/*"]})
    assert r.status_code == 400
    assert r.json()["data"]["clientId"]["code"] == "validation_required"


async def test_create_update_delete_reach_a_subscriber_in_order(api, sse):
    await posts_collection(api)
    client = await sse()
    assert await client.subscribe("posts/*") == 204
    rec = await api.create_record("posts", {"title": "one"})
    await api.su("PATCH", f"/api/collections/posts/records/{rec['id']}", json={"title": "two"})
    await api.su("DELETE", f"/api/collections/posts/records/{rec['id']}")
    events = [await client.next() for _ in range(3)]
    assert [(e.name, e.data["action"], e.data["record"]["title"]) for e in events] == [
        ("posts/*", "create", "one"),
        ("posts/*", "update", "two"),
        ("posts/*", "delete", "two"),
    ]
    assert all(e.id == client.client_id for e in events)
    assert list(events[0].data) == ["record", "action"]
    assert events[0].data["record"] == rec  # the same record the REST API returned


async def test_record_topic_gets_only_that_record(api, sse):
    await posts_collection(api)
    a = await api.create_record("posts", {"title": "a"})
    b = await api.create_record("posts", {"title": "b"})
    client = await sse()
    await client.subscribe(f"posts/{b['id']}", MARK)
    await api.su("PATCH", f"/api/collections/posts/records/{a['id']}", json={"title": "a2"})
    await api.su("PATCH", f"/api/collections/posts/records/{b['id']}", json={"title": "b2"})
    await marker(api)
    events = await client.until(MARK)
    assert [(e.name, e.data["record"]["title"]) for e in events[:-1]] == [(f"posts/{b['id']}", "b2")]


async def test_subscriptions_are_replaced_not_added(api, sse):
    await posts_collection(api)
    client = await sse()
    await client.subscribe("posts/*")
    await client.subscribe(MARK)
    await api.create_record("posts", {"title": "unseen"})
    await marker(api)
    events = await client.until(MARK)
    assert [e.name for e in events] == [MARK]


async def test_options_fields_filter_and_collection_id_topic(api, sse):
    posts = await posts_collection(api)
    client = await sse()
    sub = posts["id"] + '/*?options={"query":{"filter":"title ~ \'keep\'","fields":"id,title"}}'
    await client.subscribe(sub, MARK)
    await api.create_record("posts", {"title": "drop me"})
    kept = await api.create_record("posts", {"title": "keep me"})
    await marker(api)
    events = await client.until(MARK)
    assert [(e.name, e.data["record"]) for e in events[:-1]] == [
        (sub, {"id": kept["id"], "title": "keep me"})
    ]


async def test_a_rolled_back_write_emits_nothing(api, sse):
    posts = await posts_collection(api, createRule="")
    client = await sse()
    await client.subscribe("posts/*", MARK)
    collection = api.app.registry.find_collection(posts["id"])
    with pytest.raises(RuntimeError):
        async with api.app.transaction() as tx:
            await api.app.records.create(tx, collection, {"title": "ghost"}, Access())
            raise RuntimeError("roll back")
    await marker(api)
    events = await client.until(MARK)
    assert [e.name for e in events] == [MARK]


async def test_auth_cannot_change_once_bound(api, sse):
    _, alice = await api.create_user("alice@example.com")
    _, bob = await api.create_user("bob@example.com")
    client = await sse()
    assert await client.subscribe("users/*") == 204  # a guest ...
    assert await client.subscribe("users/*", token=alice) == 204  # ... may become authenticated
    assert await client.subscribe("users/*", token=alice) == 204
    assert await client.subscribe("users/*", token=bob) == 403
    assert await client.subscribe("users/*", token="") == 403


async def test_hub_close_ends_streams_with_a_retry_hint(api, sse):
    client = await sse()
    await api.app.realtime.close()
    assert await client.ended()
    assert client.retry_hints == ["1000"]


async def test_a_changed_token_key_makes_the_client_a_guest_again(api, sse):
    alice, alice_token = await api.create_user("alice@example.com")
    await api.create_collection(
        {
            "name": "notes",
            "listRule": "@request.auth.id != ''",
            "viewRule": "@request.auth.id != ''",
            "fields": [{"name": "text", "type": "text"}],
        }
    )
    client = await sse(alice_token)
    assert await client.subscribe("notes/*", MARK) == 204
    await api.create_record("notes", {"text": "seen"})
    assert (await client.next()).data["record"]["text"] == "seen"
    # a password change rotates the tokenKey: the old session must stop receiving private data
    r = await api.su(
        "PATCH",
        f"/api/collections/users/records/{alice['id']}",
        json={"password": "newpass12345", "passwordConfirm": "newpass12345"},
    )
    assert r.status_code == 200, r.text
    await api.create_record("notes", {"text": "unseen"})
    await marker(api)
    assert [e.name for e in await client.until(MARK)] == [MARK]


async def test_a_disconnected_client_is_forgotten(api, sse):
    client = await sse()
    await client.close()
    assert await client.subscribe("posts/*") == 404


async def test_an_idle_stream_is_closed(configured_api):
    async with (
        configured_api(realtime_idle_timeout=0.05) as api,  # PocketBase: 5 minutes
        clients_of(api, "sse") as sse,
    ):
        client = await sse()
        assert await client.ended()
        assert client.retry_hints == []  # not a shutdown: the SDK reconnects by itself
        assert await client.subscribe("posts/*") == 404
