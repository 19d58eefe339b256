"""The same writes seen through SSE, WebSocket and long polling at once: identical events."""

from __future__ import annotations

from tests.api.realtime.conftest import TRANSPORTS, marker

MARK = "rt_marker/*"


async def test_every_transport_receives_the_same_events(api, sse, ws, poller):
    owner, token = await api.create_user("owner@example.com")
    _, other_token = await api.create_user("other@example.com")
    rule = "owner = @request.auth.id"
    await api.create_collection(
        {
            "name": "tasks",
            "listRule": rule,
            "viewRule": rule,
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "done", "type": "bool"},
                {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
            ],
        }
    )
    subs = [
        'tasks/*?options={"query":{"filter":"done = false","fields":"id,title,expand","expand":"owner"}}',
        "tasks/*",
        MARK,
    ]
    clients = {kind: await opener(token) for kind, opener in (("sse", sse), ("ws", ws), ("poll", poller))}
    outsiders = {
        kind: await opener(other_token) for kind, opener in (("sse", sse), ("ws", ws), ("poll", poller))
    }
    assert sorted(clients) == sorted(TRANSPORTS)
    for client in [*clients.values(), *outsiders.values()]:
        assert await client.subscribe(*subs) == 204
    first = await api.create_record("tasks", {"title": "a", "owner": owner["id"]})
    await api.create_record("tasks", {"title": "b", "done": True, "owner": owner["id"]})
    r = await api.su("PATCH", f"/api/collections/tasks/records/{first['id']}", json={"done": True})
    assert r.status_code == 200, r.text
    r = await api.su("DELETE", f"/api/collections/tasks/records/{first['id']}")
    assert r.status_code == 204
    await marker(api)
    seen = {kind: [(e.name, e.data) for e in await c.until(MARK)] for kind, c in clients.items()}
    assert seen["sse"] == seen["ws"] == seen["poll"]
    assert [(name.split("?")[0], data["action"]) for name, data in seen["sse"]] == [
        ("tasks/*", "create"),
        ("tasks/*", "create"),
        ("tasks/*", "create"),
        ("tasks/*", "update"),
        ("tasks/*", "delete"),
        (MARK, "create"),
    ]
    filtered = seen["sse"][0][1]["record"]
    assert filtered == {"id": first["id"], "title": "a", "expand": {"owner": filtered["expand"]["owner"]}}
    assert filtered["expand"]["owner"]["id"] == owner["id"]
    for kind, client in outsiders.items():
        assert [e.name for e in await client.until(MARK)] == [MARK], kind
