"""Record events leave through the bus only after their transaction commits."""

from __future__ import annotations


async def test_events_after_commit_and_never_for_rollbacks(api):
    seen: list[tuple[str, str, str]] = []
    api.app.bus.subscribe(
        lambda e: seen.append((e.action, e.record.collection.name, e.record.data.get("t", "")))
    )
    posts = await api.create_collection(
        {
            "name": "posts",
            "listRule": "",
            "createRule": "",
            "updateRule": "",
            "deleteRule": "",
            "fields": [{"name": "t", "type": "text", "required": True}],
        }
    )
    await api.create_collection(
        {
            "name": "notes",
            "createRule": "",
            "fields": [
                {"name": "t", "type": "text"},
                {
                    "name": "post",
                    "type": "relation",
                    "collectionId": posts["id"],
                    "maxSelect": 1,
                    "cascadeDelete": True,
                },
            ],
        }
    )
    post = await api.create_record("posts", {"t": "p1"})
    await api.create_record("notes", {"t": "n1", "post": post["id"]})
    await api.request("PATCH", f"/api/collections/posts/records/{post['id']}", json={"t": "p2"})
    assert seen == [("create", "posts", "p1"), ("create", "notes", "n1"), ("update", "posts", "p2")]

    seen.clear()
    await api.su("PATCH", "/api/settings", json={"batch": {"enabled": True}})
    failed = await api.su(
        "POST",
        "/api/batch",
        json={
            "requests": [
                {"method": "POST", "url": "/api/collections/posts/records", "body": {"t": "ok"}},
                {"method": "POST", "url": "/api/collections/posts/records", "body": {}},
            ]
        },
    )
    assert failed.status_code == 400
    invalid = await api.request("POST", "/api/collections/posts/records", json={})
    assert invalid.status_code == 400
    assert seen == []  # nothing committed, nothing emitted

    r = await api.request("DELETE", f"/api/collections/posts/records/{post['id']}")
    assert r.status_code == 204
    assert sorted(seen) == [("delete", "notes", "n1"), ("delete", "posts", "p2")]  # the cascade too
