"""Record changes reach webhooks as signed Standard Webhooks requests (verified by the receiver
with the `standardwebhooks` package), filtered by collection and event."""

from __future__ import annotations

from tests.api.webhooks.conftest import add_webhook, delivery_rows, eventually, posts, received


async def test_create_update_delete_are_delivered_signed(hooks, receiver):
    await posts(hooks)
    webhook = await add_webhook(hooks, receiver)
    assert webhook["secret"].startswith("whsec_")
    rec = await hooks.create_record("posts", {"title": "one"})
    r = await hooks.su("PATCH", f"/api/collections/posts/records/{rec['id']}", json={"title": "two"})
    assert r.status_code == 200
    r = await hooks.su("DELETE", f"/api/collections/posts/records/{rec['id']}")
    assert r.status_code == 204
    got = await received(receiver, 3)
    assert all(d.verified for d in got)
    by_type = {d.type: d for d in got}
    assert set(by_type) == {"record.created", "record.updated", "record.deleted"}
    assert by_type["record.created"].record["title"] == "one"
    assert by_type["record.updated"].record["title"] == "two"
    assert by_type["record.deleted"].record["id"] == rec["id"]
    body = by_type["record.created"].body
    assert body["data"]["collection"] == "posts"
    assert body["timestamp"].endswith("Z")
    assert len({d.webhook_id for d in got}) == 3
    rows = await eventually(lambda: _delivered(hooks, webhook["id"], 3))
    assert {row["eventType"] for row in rows} == set(by_type)
    assert all(row["statusCode"] == 200 and row["attempt"] == 1 for row in rows)


async def _delivered(api, webhook_id, count):
    rows = [r for r in await delivery_rows(api, webhook_id) if r["delivered"]]
    return rows if len(rows) >= count else None


async def test_collection_and_event_filters(hooks, receiver):
    await posts(hooks)
    await posts(hooks, "notes")
    await add_webhook(hooks, receiver, collections=["notes"], events=["update"])
    post = await hooks.create_record("posts", {"title": "p"})
    note = await hooks.create_record("notes", {"title": "n"})
    await hooks.su("PATCH", f"/api/collections/posts/records/{post['id']}", json={"title": "p2"})
    await hooks.su("PATCH", f"/api/collections/notes/records/{note['id']}", json={"title": "n2"})
    [only] = await received(receiver, 1)
    assert (only.type, only.body["data"]["collection"], only.record["title"]) == (
        "record.updated",
        "notes",
        "n2",
    )
    # a marker after everything else: when it arrives, nothing filtered out arrived before it
    await hooks.su("PATCH", f"/api/collections/notes/records/{note['id']}", json={"title": "n3"})
    got = await received(receiver, 2)
    assert [d.record["title"] for d in got] == ["n2", "n3"]


async def test_inactive_webhook_gets_nothing(hooks, receiver):
    await posts(hooks)
    inactive = await add_webhook(hooks, receiver, active=False, collections=["posts"])
    await hooks.create_record("posts", {"title": "unseen"})
    # the same receiver on a second, active webhook: its delivery shows the first sent nothing
    active = await add_webhook(hooks, receiver, collections=["posts"])
    await hooks.create_record("posts", {"title": "seen"})
    got = await received(receiver, 1)
    assert [d.record["title"] for d in got] == ["seen"]
    assert await delivery_rows(hooks, inactive["id"]) == []
    assert active["id"] != inactive["id"]


async def test_deliveries_to_a_receiver_that_keeps_connections_open_reuse_one(hooks):
    """A receiver speaking HTTP/1.1 gets one delivery after another over the same connection
    (no new TCP handshake, or TLS one, per event); each is still signed and answered."""
    from tests.support.webhook_receiver import WebhookReceiver

    receiver = WebhookReceiver(keep_alive=True).start()
    try:
        await posts(hooks)
        webhook = await add_webhook(hooks, receiver)
        for n in range(5):  # one at a time: each attempt over before the next event is written
            await hooks.create_record("posts", {"title": f"t{n}"})
            await eventually(lambda n=n: _delivered(hooks, webhook["id"], n + 1))
        got = await received(receiver, 5)
        assert all(d.verified and d.answered == 200 for d in got)
        assert len({d.peer_port for d in got}) == 1
    finally:
        receiver.stop()
