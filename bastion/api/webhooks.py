"""Webhooks' own routes (superusers only) and the first-use install of their collections.

- `POST /api/webhooks/{id}/test` sends a `webhook.test` event to the webhook now (active or not)
  and answers with the attempt's outcome; the attempt is logged in `_webhookDeliveries`.
- `POST /api/webhooks/deliveries/{id}/redeliver` queues the logged delivery's event again for its
  webhook: a new job (new de-duplication key) carrying the SAME `webhook-id`, so a receiver that
  already has it can tell.

The `_webhooks` and `_webhookDeliveries` collections do not exist on a fresh Bastion (its
collection list stays PocketBase's); `install_on_first_use` creates them when a superuser's
request first names either (the collection and record routes call it through `guard`, batch
sub-requests through api/batch.py, and the two routes above).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.collections import superuser_access
from bastion.api.context import JSONResponse, get_app, load_access
from bastion.app import App
from bastion.core.ids import new_record_id
from bastion.core.record_query import find_by_id
from bastion.errors import NotFoundError
from bastion.jobs.outbox import new_event_id, utc_timestamp
from bastion.jobs.webhooks.collections import (
    DELIVERIES,
    NAMES,
    install_webhook_collections,
    installed,
)
from bastion.jobs.webhooks.route import delivery_job

TEST_EVENT = "webhook.test"


def names_webhooks(collection: str) -> bool:
    """Whether a route's `{collection}` is one of the webhook collections (by name or id)."""
    return collection in NAMES


async def ensure_installed(app: App) -> None:
    """Install the webhook collections unless this process already knows them."""
    if installed(app.registry):
        return
    await install_webhook_collections(app.db, app.collections, app.registry)
    if not installed(app.registry):  # another process installed them first
        await app.reload_schema()


async def install_on_first_use(request: Request) -> None:
    """Called before a collection route's handler when `{collection}` names a webhook
    collection: a superuser's request installs both; anyone else's changes nothing (the route
    answers as for any collection that does not exist)."""
    app = get_app(request)
    if installed(app.registry):
        return
    access = await load_access(request)
    if access.is_superuser:
        await ensure_installed(app)


async def test_webhook(request: Request) -> Response:
    app = get_app(request)
    await superuser_access(request)
    await ensure_installed(app)
    delivery = app.webhook_delivery
    webhook = await delivery.find_webhook(request.path_params["id"])
    if webhook is None:
        raise NotFoundError()
    event_id = new_event_id()
    body = {"type": TEST_EVENT, "timestamp": utc_timestamp(), "data": {"collection": "", "record": {}}}
    outcome = await delivery.attempt(webhook, event_id, body)
    logged = await delivery.log_attempt(webhook.id, event_id, body, 1, outcome)
    return JSONResponse({"eventId": event_id, **outcome.to_dict(), "delivery": logged.id if logged else ""})


async def redeliver(request: Request) -> Response:
    app = get_app(request)
    await superuser_access(request)
    await ensure_installed(app)
    deliveries = app.registry.find_collection(DELIVERIES)
    logged = await find_by_id(app.db, deliveries, request.path_params["id"]) if deliveries else None
    if logged is None:
        raise NotFoundError()
    webhook_id = str(logged.data.get("webhook") or "")
    if await app.webhook_delivery.find_webhook(webhook_id) is None:
        raise NotFoundError("The delivery's webhook no longer exists.")
    event_id = str(logged.data.get("eventId") or "")
    body = logged.data.get("requestBody")
    job = delivery_job(
        webhook_id,
        event_id,
        body if isinstance(body, dict) else {},
        key=f"wh:{webhook_id}:{event_id}:redeliver:{new_record_id()}",
    )
    async with app.transaction() as tx:
        await app.jobs.enqueue(tx, job.kind, job.payload, key=job.key)
    return JSONResponse({"webhook": webhook_id, "eventId": event_id, "queued": True})
