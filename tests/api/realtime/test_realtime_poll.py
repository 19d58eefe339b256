"""POST /api/realtime/poll: long polling as docs/realtime.md describes it, on SQLite and PostgreSQL."""

from __future__ import annotations

from bastion.realtime import client_state
from tests.api.realtime.conftest import posts_collection


async def _poll(api, token=None, **body):
    return await api.request("POST", "/api/realtime/poll", token=token, json=body)


async def _start(api, subs, token=None):
    await api.app.realtime.drained()
    r = await _poll(api, token, subscriptions=subs)
    assert r.status_code == 200, r.text
    assert r.json()["events"] == [] and r.json()["cursor"] == 0
    return r.json()["clientId"]


async def test_events_since_the_cursor_are_resent_until_acknowledged(api):
    await posts_collection(api)
    client_id = await _start(api, ["posts/*"])
    one = await api.create_record("posts", {"title": "one"})
    await api.create_record("posts", {"title": "two"})
    await api.app.realtime.drained()
    first = (await _poll(api, clientId=client_id, cursor=0, timeout=0)).json()
    assert first["clientId"] == client_id
    assert [(e["topic"], e["action"], e["record"]["title"]) for e in first["events"]] == [
        ("posts/*", "create", "one"),
        ("posts/*", "create", "two"),
    ]
    assert first["events"][0]["record"] == one
    assert list(first["events"][0]) == ["topic", "record", "action"]
    # the answer was lost: polling with the old cursor gets the same events again
    again = (await _poll(api, clientId=client_id, cursor=0, timeout=0)).json()
    assert again == first
    # acknowledged: only newer events come
    await api.create_record("posts", {"title": "three"})
    newer = (await _poll(api, clientId=client_id, cursor=first["cursor"], timeout=5)).json()
    assert [e["record"]["title"] for e in newer["events"]] == ["three"]
    assert newer["cursor"] > first["cursor"]


async def test_a_poll_waits_for_the_next_event(api, poller):
    await posts_collection(api)
    client = await poller()
    assert await client.subscribe("posts/*") == 204  # the SSE POST serves poll clients too
    await api.create_record("posts", {"title": "waited for"})
    event = await client.next()
    assert (event.name, event.data["record"]["title"]) == ("posts/*", "waited for")


async def test_nothing_to_send_answers_empty_after_the_timeout(api):
    client_id = await _start(api, ["posts/*"])
    r = await _poll(api, clientId=client_id, cursor=0, timeout=0)
    assert r.status_code == 200 and r.json()["events"] == []


async def test_invalid_polls(api, sse):
    r = await _poll(api, clientId="nope")
    assert (r.status_code, r.json()["message"]) == (404, "Missing or invalid client id.")
    r = await _poll(api, timeout=31)
    assert r.status_code == 400 and r.json()["data"]["timeout"]["code"] == "validation_out_of_range"
    for bad in ({"cursor": "x"}, {"timeout": True}, {"subscriptions": "posts/*"}, {"clientId": 5}):
        assert (await _poll(api, **bad)).status_code == 400, bad
    stream = await sse()
    assert (await _poll(api, clientId=stream.client_id, timeout=0)).status_code == 404


async def test_another_identity_cannot_take_over_a_client(api):
    _, alice = await api.create_user("alice@example.com")
    _, bob = await api.create_user("bob@example.com")
    client_id = await _start(api, ["users/*"], token=alice)
    assert (await _poll(api, alice, clientId=client_id, timeout=0)).status_code == 200
    assert (await _poll(api, bob, clientId=client_id, timeout=0)).status_code == 403


async def test_a_client_that_falls_behind_is_dropped(api, monkeypatch):
    await posts_collection(api)
    monkeypatch.setattr(client_state, "OUTBOX_SIZE", 3)
    client_id = await _start(api, ["posts/*"])
    for i in range(5):
        await api.create_record("posts", {"title": f"t{i}"})
    await api.app.realtime.drained()
    r = await _poll(api, clientId=client_id, timeout=0)
    assert r.status_code == 404  # starts over: a new client, then a re-fetch


async def test_shutdown_answers_503(api, poller):
    client = await poller()
    await api.app.realtime.close()
    assert await client.ended()
    assert client.last_status == 503
