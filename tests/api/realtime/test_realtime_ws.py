"""/api/realtime/ws: the WebSocket protocol of docs/realtime.md, on SQLite and PostgreSQL."""

from __future__ import annotations

from bastion.realtime import client_state
from tests.api.realtime.conftest import clients_of, marker, posts_collection

MARK = "rt_marker/*"


async def _private_notes(api):
    rule = "@request.auth.id != ''"
    await api.create_collection(
        {"name": "notes", "listRule": rule, "viewRule": rule, "fields": [{"name": "text", "type": "text"}]}
    )


async def test_connect_subscribe_and_receive_events(api, ws):
    await posts_collection(api)
    client = await ws()
    assert client.accepted and len(client.client_id) == 40
    reply = await client.send({"type": "subscribe", "id": 7, "subscriptions": ["posts/*"]})
    assert reply == {"type": "ok", "subscriptions": ["posts/*"], "id": 7}
    rec = await api.create_record("posts", {"title": "one"})
    await api.su("DELETE", f"/api/collections/posts/records/{rec['id']}")
    events = [await client.next() for _ in range(2)]
    assert [(e.name, e.data["action"]) for e in events] == [("posts/*", "create"), ("posts/*", "delete")]
    assert events[0].data["record"] == rec  # the same record the REST API returned


async def test_subscribe_adds_and_unsubscribe_removes(api, ws):
    await posts_collection(api)
    client = await ws()
    await client.send({"type": "subscribe", "subscriptions": ["posts/*", MARK]})
    reply = await client.send({"type": "subscribe", "subscriptions": 'posts/*?options={"query":{}}'})
    assert reply["subscriptions"] == ["posts/*", MARK, 'posts/*?options={"query":{}}']
    # by topic: every subscription on `posts/*`, whatever its options
    reply = await client.send({"type": "unsubscribe", "subscriptions": ["posts/*"]})
    assert reply["subscriptions"] == [MARK]
    await api.create_record("posts", {"title": "unseen"})
    await marker(api)
    assert [e.name for e in await client.until(MARK)] == [MARK]
    assert (await client.send({"type": "unsubscribe"}))["subscriptions"] == []


async def test_ping_and_bad_messages_keep_the_connection(ws):
    client = await ws()
    assert await client.send({"type": "ping", "id": "a"}) == {"type": "pong", "id": "a"}
    for bad in ("not json", "[1]", {"type": "dance"}, {"type": "subscribe"}, {"type": "auth", "token": 5}):
        reply = await client.send(bad)
        assert reply["type"] == "error" and reply["status"] == 400, reply
    too_long = await client.send({"type": "subscribe", "subscriptions": ["x" * 2501]})
    assert too_long["data"]["subscriptions"]["0"]["code"] == "validation_length_too_long"
    assert (await client.send({"type": "ping"}))["type"] == "pong"


async def test_token_in_the_query_or_header_authenticates(api, ws):
    await _private_notes(api)
    _, token = await api.create_user("alice@example.com")
    by_query = await ws(query=f"token={token}")
    by_header = await ws(token)
    guest = await ws()
    for client in (by_query, by_header, guest):
        await client.send({"type": "subscribe", "subscriptions": ["notes/*", MARK]})
    await api.create_record("notes", {"text": "private"})
    await marker(api)
    for client in (by_query, by_header):
        assert [e.name for e in await client.until(MARK)] == ["notes/*", MARK]
    assert [e.name for e in await guest.until(MARK)] == [MARK]


async def test_an_invalid_token_closes_with_1008(ws):
    client = await ws(query="token=not-a-token")
    assert client.client_id == ""
    assert await client.ended()
    assert client.close_code == 1008


async def test_re_auth_switches_identity_and_sign_out_makes_a_guest(api, ws):
    await _private_notes(api)
    alice, alice_token = await api.create_user("alice@example.com")
    bob, bob_token = await api.create_user("bob@example.com")
    client = await ws()
    await client.send({"type": "subscribe", "subscriptions": ["notes/*", MARK]})
    reply = await client.send({"type": "auth", "token": alice_token})
    assert reply["auth"] == {"collectionName": "users", "id": alice["id"]}
    assert (await client.send({"type": "auth", "token": bob_token}))["auth"]["id"] == bob["id"]
    await api.create_record("notes", {"text": "for bob"})
    assert (await client.next()).data["record"]["text"] == "for bob"
    bad = await client.send({"type": "auth", "token": "garbage"})
    assert (bad["type"], bad["status"]) == ("error", 401)
    assert (await client.send({"type": "auth", "token": ""}))["auth"] is None
    await api.create_record("notes", {"text": "after sign-out"})
    await marker(api)
    assert [e.name for e in await client.until(MARK)] == [MARK]


async def test_an_auth_message_sees_tokens_revoked_since_the_connection_opened(api, ws):
    """The connection lives on, its auth messages are each checked against the auth record as
    it is then (a kept copy from the connection's start would still take a revoked token)."""
    user, token = await api.create_user("revoked@example.com")
    client = await ws()
    assert (await client.send({"type": "auth", "token": token}))["auth"]["id"] == user["id"]
    password = {"password": "another-pass-1", "passwordConfirm": "another-pass-1"}
    r = await api.su("PATCH", f"/api/collections/users/records/{user['id']}", json=password)
    assert r.status_code == 200, r.text  # a new tokenKey: every earlier token is void
    bad = await client.send({"type": "auth", "token": token})
    assert (bad["type"], bad["status"]) == ("error", 401), bad


async def test_an_expired_token_stops_private_events(api, ws):
    await _private_notes(api)
    _, token = await api.create_user("alice@example.com")
    client = await ws(token)
    await client.send({"type": "subscribe", "subscriptions": ["notes/*", MARK]})
    hub_client = api.app.realtime.find(client.client_id)
    hub_client.auth_expires = 1.0  # as if the token's `exp` had passed
    await api.create_record("notes", {"text": "unseen"})
    await marker(api)
    assert [e.name for e in await client.until(MARK)] == [MARK]


async def test_shutdown_closes_with_1012_service_restart(api, ws):
    client = await ws()
    await api.app.realtime.close()
    assert await client.ended()
    assert (client.close_code, client.close_reason) == (1012, "service restart")


async def test_slow_consumer_is_closed_with_1008(api, ws, monkeypatch):
    await posts_collection(api)
    monkeypatch.setattr(client_state, "OUTBOX_SIZE", 3)
    slow = await ws()
    await slow.send({"type": "subscribe", "subscriptions": ["posts/*"]})
    slow.reading.clear()  # stops reading: the server's writes now stall
    for i in range(10):
        await api.create_record("posts", {"title": f"t{i}"})
    slow.reading.set()
    assert await slow.ended()
    assert (slow.close_code, slow.close_reason) == (1008, "slow consumer")
    assert api.app.realtime.find(slow.client_id) is None


async def test_an_idle_socket_is_closed(configured_api):
    async with configured_api(realtime_idle_timeout=0.05) as api, clients_of(api, "ws") as ws:
        client = await ws()
        assert await client.ended()
        assert client.close_code == 1000
