"""The webhook collections appear on first use only, install once however many processes race,
apply on every process at once; the test and redeliver routes."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from bastion.app import App
from bastion.jobs.webhooks.collections import install_webhook_collections, installed
from tests.api.webhooks.conftest import (
    add_webhook,
    delivery_rows,
    eventually,
    hooks_config,
    posts,
    received,
)
from tests.conftest import client_from


@asynccontextmanager
async def second_app(api):
    """Another process on the same database, configured as the first (webhooks to loopback)."""
    config = api.app.config
    other = await App(hooks_config(config.data_dir, config.database_url)).start()
    try:
        yield other
    finally:
        await other.stop()


WEBHOOK_COLLECTIONS = {"_webhooks", "_webhookDeliveries"}


async def _names(api):
    r = await api.su("GET", "/api/collections", params={"perPage": 500})
    return {c["name"] for c in r.json()["items"]}


async def test_collections_appear_only_on_a_superusers_first_use(hooks):
    assert not (await _names(hooks)) & WEBHOOK_COLLECTIONS
    # anyone else naming them changes nothing: the collection does not exist for them
    _, token = await hooks.create_user("u@example.com")
    r = await hooks.request("GET", "/api/collections/_webhooks/records", token=token)
    assert r.status_code == 404
    r = await hooks.request("POST", "/api/webhooks/x/test", token=token)
    assert r.status_code == 403
    assert not (await _names(hooks)) & WEBHOOK_COLLECTIONS
    r = await hooks.su("GET", "/api/collections/_webhookDeliveries/records")
    assert r.status_code == 200 and r.json()["items"] == []
    assert (await _names(hooks)) >= WEBHOOK_COLLECTIONS
    r = await hooks.su("GET", "/api/collections/_webhooks")
    fields = {f["name"]: f for f in r.json()["fields"]}
    assert fields["secret"]["hidden"] is True
    assert fields["events"]["values"] == ["create", "update", "delete"]
    assert r.json()["listRule"] is None and r.json()["system"] is True
    # superusers only, once installed
    r = await hooks.request("GET", "/api/collections/_webhooks/records", token=token)
    assert r.status_code == 403


async def test_racing_installs_create_them_once(hooks):
    async with second_app(hooks) as other:
        results = await asyncio.gather(
            install_webhook_collections(hooks.app.db, hooks.app.collections, hooks.app.registry),
            install_webhook_collections(other.db, other.collections, other.registry),
        )
        assert sorted(results) == [False, True]
        await hooks.app.refresh_if_stale()
        await other.refresh_if_stale()
        assert installed(hooks.app.registry) and installed(other.registry)
    names = [
        c["name"]
        for c in (await hooks.su("GET", "/api/collections", params={"perPage": 500})).json()["items"]
    ]
    assert names.count("_webhooks") == 1 and names.count("_webhookDeliveries") == 1


async def test_webhook_created_on_one_process_applies_on_another(hooks, receiver):
    await posts(hooks)
    async with second_app(hooks) as other, client_from(other, "127.0.0.1") as other_client:
        # the other process has written (and cached "no webhooks") before the webhook exists
        r = await other_client.post(
            "/api/collections/posts/records",
            json={"title": "before"},
            headers={"Authorization": hooks.superuser_token},
        )
        assert r.status_code == 200
        webhook = await add_webhook(hooks, receiver)
        r = await other_client.post(
            "/api/collections/posts/records",
            json={"title": "after"},
            headers={"Authorization": hooks.superuser_token},
        )
        assert r.status_code == 200
        got = await received(receiver, 1)
        assert [d.record["title"] for d in got] == ["after"]
        # and switched off there too
        r = await hooks.su(
            "PATCH", f"/api/collections/_webhooks/records/{webhook['id']}", json={"active": False}
        )
        r = await other_client.post(
            "/api/collections/posts/records",
            json={"title": "off"},
            headers={"Authorization": hooks.superuser_token},
        )
        jobs = await other.jobs.list_jobs(kind="webhook.deliver", limit=100)
        assert len(jobs) == 1


async def test_test_route_sends_a_signed_test_event(hooks, receiver):
    webhook = await add_webhook(hooks, receiver, active=False)  # a test may precede switching it on
    r = await hooks.su("POST", f"/api/webhooks/{webhook['id']}/test")
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["delivered"] is True and answer["statusCode"] == 200 and answer["error"] == ""
    [got] = receiver.deliveries
    assert got.verified and got.type == "webhook.test" and got.webhook_id == answer["eventId"]
    [row] = await delivery_rows(hooks, webhook["id"])
    assert row["id"] == answer["delivery"] and row["eventType"] == "webhook.test"
    r = await hooks.su("POST", "/api/webhooks/nosuchwebhook12/test")
    assert r.status_code == 404


async def test_redeliver_sends_the_same_event_again(hooks, receiver):
    await posts(hooks)
    webhook = await add_webhook(hooks, receiver)
    await hooks.create_record("posts", {"title": "again"})
    [first] = await received(receiver, 1)
    [row] = await eventually(lambda: delivery_rows(hooks, webhook["id"]))
    r = await hooks.su("POST", f"/api/webhooks/deliveries/{row['id']}/redeliver")
    assert r.status_code == 200, r.text
    assert r.json()["eventId"] == first.webhook_id
    got = await received(receiver, 2)
    assert got[1].webhook_id == first.webhook_id and got[1].verified
    assert got[1].body == first.body
    r = await hooks.su("POST", "/api/webhooks/deliveries/nosuchdelivery/redeliver")
    assert r.status_code == 404


async def test_a_batch_naming_them_installs_them_first(hooks, receiver):
    await hooks.su("PATCH", "/api/settings", json={"batch": {"enabled": True}})
    r = await hooks.su(
        "POST",
        "/api/batch",
        json={
            "requests": [
                {
                    "method": "POST",
                    "url": "/api/collections/_webhooks/records",
                    "body": {"url": receiver.url, "active": True},
                }
            ]
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()[0]["body"]["secret"].startswith("whsec_")
    assert (await _names(hooks)) >= WEBHOOK_COLLECTIONS
