"""The outbox: deliveries commit with the write that caused them (batch and cascades included),
a rolled-back write sends nothing, and a failing receiver never slows or fails the write."""

from __future__ import annotations

import pytest

from bastion.core.record_access import Access
from bastion.core.record_model import Record
from bastion.errors import BadRequestError
from tests.api.webhooks.conftest import add_webhook, delivery_rows, eventually, posts, received


async def _jobs(api, webhook_id):
    jobs = await api.app.jobs.list_jobs(kind="webhook.deliver", limit=500)
    return [j for j in jobs if j.payload["webhook"] == webhook_id]


async def test_rolled_back_write_sends_nothing(hooks, receiver):
    await posts(hooks)
    webhook = await add_webhook(hooks, receiver)
    app = hooks.app
    collection = app.registry.find_collection("posts")
    root = Access(auth=Record(app.registry.find_collection("_superusers"), {"id": ""}))
    with pytest.raises(BadRequestError):
        async with app.transaction() as tx:
            await app.records.create(tx, collection, {"title": "never"}, root)
            raise BadRequestError("rolled back")  # after the write and its outbox entry
    # a failed batch rolls its earlier sub-requests back too
    r = await hooks.su("PATCH", "/api/settings", json={"batch": {"enabled": True, "maxRequests": 10}})
    assert r.status_code == 200
    r = await hooks.su(
        "POST",
        "/api/batch",
        json={
            "requests": [
                {"method": "POST", "url": "/api/collections/posts/records", "body": {"title": "b1"}},
                {"method": "DELETE", "url": "/api/collections/posts/records/missingid12345"},
            ]
        },
    )
    assert r.status_code == 400
    assert await _jobs(hooks, webhook["id"]) == []
    await hooks.create_record("posts", {"title": "committed"})
    got = await received(receiver, 1)
    assert [d.record["title"] for d in got] == ["committed"]
    assert len(await _jobs(hooks, webhook["id"])) == 1


async def test_batch_and_cascade_changes_are_delivered(hooks, receiver):
    parent = await posts(hooks)
    await hooks.create_collection(
        {
            "name": "comments",
            "fields": [
                {"name": "post", "type": "relation", "collectionId": parent["id"], "cascadeDelete": True}
            ],
        }
    )
    await add_webhook(hooks, receiver, events=["create", "delete"])
    await hooks.su("PATCH", "/api/settings", json={"batch": {"enabled": True}})
    r = await hooks.su(
        "POST",
        "/api/batch",
        json={
            "requests": [
                {"method": "POST", "url": "/api/collections/posts/records", "body": {"id": "p" * 15}},
                {"method": "POST", "url": "/api/collections/comments/records", "body": {"post": "p" * 15}},
            ]
        },
    )
    assert r.status_code == 200, r.text
    await received(receiver, 2)
    r = await hooks.su("DELETE", f"/api/collections/posts/records/{'p' * 15}")
    assert r.status_code == 204
    got = await received(receiver, 4)
    deleted = {d.body["data"]["collection"] for d in got if d.type == "record.deleted"}
    assert deleted == {"posts", "comments"}  # the cascaded comment too


async def test_failing_receiver_never_fails_the_write(hooks, receiver):
    receiver.hang = True  # every attempt waits for the timeout
    await posts(hooks)
    webhook = await add_webhook(hooks, receiver)
    for n in range(5):
        r = await hooks.su("POST", "/api/collections/posts/records", json={"title": f"t{n}"})
        assert r.status_code == 200
    r = await hooks.su("GET", "/api/collections/posts/records")
    assert r.json()["totalItems"] == 5
    await eventually(lambda: _jobs(hooks, webhook["id"]))
    assert len(await _jobs(hooks, webhook["id"])) == 5


async def test_webhook_deactivated_before_delivery_ends_quietly(hooks, receiver):
    await posts(hooks)
    webhook = await add_webhook(hooks, receiver)
    await hooks.su("PATCH", "/api/settings", json={"batch": {"enabled": True}})
    # one transaction: the write queues a delivery, then the webhook is switched off
    r = await hooks.su(
        "POST",
        "/api/batch",
        json={
            "requests": [
                {"method": "POST", "url": "/api/collections/posts/records", "body": {"title": "late"}},
                {
                    "method": "PATCH",
                    "url": f"/api/collections/_webhooks/records/{webhook['id']}",
                    "body": {"active": False},
                },
            ]
        },
    )
    assert r.status_code == 200, r.text
    [job] = await eventually(lambda: _done(hooks, webhook["id"]))
    assert job.last_error is None
    assert receiver.deliveries == []
    assert await delivery_rows(hooks, webhook["id"]) == []


async def _done(api, webhook_id):
    return [j for j in await _jobs(api, webhook_id) if j.status == "done"]
