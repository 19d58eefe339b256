"""Delivery attempts do not pile up for ever: the logs' cleanup cron deletes those older than
`webhooks_deliveries_max_days`, and keeps the newer ones (and all of them with 0)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bastion.jobs.webhooks import retention
from bastion.jobs.webhooks.retention import trim_deliveries
from tests.api.webhooks.conftest import add_webhook, delivery_rows, eventually, posts, received


async def test_attempts_older_than_the_limit_are_trimmed(hooks, receiver):
    await posts(hooks)
    webhook = await add_webhook(hooks, receiver)
    await hooks.create_record("posts", {"title": "one"})
    await received(receiver, 1)
    rows = await eventually(lambda: delivery_rows(hooks, webhook["id"]))
    assert len(rows) == 1
    app = hooks.app
    in_six_days = datetime.now(UTC) + timedelta(days=6)
    assert await trim_deliveries(app.db, app.registry, 7, now=in_six_days) == 0
    assert await trim_deliveries(app.db, app.registry, 0, now=in_six_days + timedelta(days=30)) == 0
    assert len(await delivery_rows(hooks, webhook["id"])) == 1
    assert await trim_deliveries(app.db, app.registry, 7, now=in_six_days + timedelta(days=2)) == 1
    assert await delivery_rows(hooks, webhook["id"]) == []
    # the webhook itself stays, and the next event is delivered and logged as before
    await hooks.create_record("posts", {"title": "two"})
    await received(receiver, 2)
    assert await eventually(lambda: delivery_rows(hooks, webhook["id"]))


async def test_the_logs_cleanup_cron_trims_them(hooks, receiver, monkeypatch):
    """`POST /api/crons/__pbLogsCleanup__` (what runs every six hours) trims the attempts, here
    with the clock eight days on."""
    await posts(hooks)
    webhook = await add_webhook(hooks, receiver)
    await hooks.create_record("posts", {"title": "one"})
    await received(receiver, 1)
    await eventually(lambda: delivery_rows(hooks, webhook["id"]))

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime.now(tz) + timedelta(days=8)

    monkeypatch.setattr(retention, "datetime", Later)
    r = await hooks.su("POST", "/api/crons/__pbLogsCleanup__")
    assert r.status_code == 204
    await eventually(lambda: _none_left(hooks, webhook["id"]))


async def _none_left(api, webhook_id):
    return await delivery_rows(api, webhook_id) == []
