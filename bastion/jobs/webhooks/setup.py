"""Wiring webhooks into a process: the outbox route, and the `webhook.deliver` job kind.

Retries wait `webhooks_retry_delay` seconds, doubled after each failed attempt, at most an hour:
no jitter, so each delivery row can say when its next attempt is due (`nextAttempt`); retries of
many events failing together still spread, as their first attempts did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.jobs.backoff import Backoff
from bastion.jobs.queue import Job, PermanentJobError
from bastion.jobs.webhooks.delivery import DeliveryRefused, WebhookDelivery
from bastion.jobs.webhooks.route import DELIVER, WebhookRoute

if TYPE_CHECKING:
    from bastion.core.app_protocol import App
    from bastion.jobs.outbox import Outbox
    from bastion.jobs.queue import JobQueue
    from bastion.store.version_stamp import StampKeeper

RETRY_CAP = 3600.0
# time to log the attempt after the receiver's own timeout
_LOGGING_MARGIN = 10.0


def retry_backoff(first: float, cap: float = RETRY_CAP) -> Backoff:
    def delay(attempt: int) -> float:
        return float(min(cap, first * 2.0 ** min(max(attempt - 1, 0), 40)))

    return delay


def attach_webhooks(app: App, queue: JobQueue, outbox: Outbox, stamp: StampKeeper) -> WebhookDelivery:
    """Route record changes to webhooks and run their deliveries in this process."""
    outbox.add_route(WebhookRoute(app.registry, stamp))
    delivery = WebhookDelivery(app)
    cfg = app.config
    backoff = retry_backoff(cfg.webhooks_retry_delay)

    async def deliver(job: Job) -> None:
        try:
            await delivery.run_job(job.payload, job.attempt, job.max_attempts, backoff(job.attempt))
        except DeliveryRefused as exc:
            raise PermanentJobError(str(exc)) from None

    queue.register(
        DELIVER,
        deliver,
        timeout=cfg.webhooks_timeout + _LOGGING_MARGIN,
        max_attempts=cfg.webhooks_max_attempts,
        backoff=backoff,
    )
    return delivery
