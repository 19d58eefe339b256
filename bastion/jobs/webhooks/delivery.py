"""Delivering one event to one webhook: the signed POST, its row in `_webhookDeliveries`, and the
`webhook.deliver` job handler that retries it through the queue.

An attempt POSTs the event's body (compact JSON) with the Standard Webhooks headers (signing.py)
to the checked target (url_safety.py), waits at most `webhooks_timeout` seconds, follows no
redirect, and reads at most 64 KiB of the answer's body (only so the connection can be reused). A 2xx answer is delivered; any other status, a
timeout, a refused or reset connection or a name that does not resolve is a failed attempt,
retried by the queue with back-off until `webhooks_max_attempts`, then dead; a URL that may not be
delivered to (a private address without `webhooks_allow_private`, a secret that is no `whsec_`
key) dead-letters at once. Every attempt, failed or not, becomes a `_webhookDeliveries` row. A
webhook deleted or deactivated before an attempt ends its job quietly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bastion.core.record_model import Record
from bastion.core.record_query import find_by_id
from bastion.errors import ApiError
from bastion.jobs.outbox import acting_superuser
from bastion.jobs.webhooks.collections import DELIVERIES, WEBHOOKS
from bastion.jobs.webhooks.signing import signed_headers
from bastion.jobs.webhooks.url_safety import HostNotResolved, Target, UnsafeUrl, target_for
from bastion.obs import tracing
from bastion.obs.metrics import WEBHOOK_DELIVERIES

if TYPE_CHECKING:
    import httpx

    from bastion.core.app_protocol import App
    from bastion.jobs.webhooks.http_clients import WebhookClients

log = logging.getLogger("bastion.webhooks")

_MAX_ERROR = 2000
DRAIN_LIMIT = 64 * 1024  # bytes of an answer's body read to keep its connection for reuse


class DeliveryFailed(Exception):
    """A failed attempt: the queue retries it (the message is the job's last error)."""


class DeliveryRefused(Exception):
    """An attempt that can never succeed as configured: the job dead-letters at once."""


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int = 0  # 0: no HTTP answer
    duration_ms: int = 0
    error: str = ""
    permanent: bool = False  # retrying cannot help (refused URL, invalid secret)

    def to_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "statusCode": self.status_code,
            "durationMs": self.duration_ms,
            "error": self.error,
        }


def encode_body(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookDelivery:
    """One per process: HTTP clients shared by every attempt, and the App to log them in."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._clients: WebhookClients | None = None

    def _http(self, target: Target) -> httpx.AsyncClient:
        if self._clients is None:
            # httpx is imported with the first delivery: most servers never send one, and it
            # would cost each of their workers several MB
            from bastion.jobs.webhooks.http_clients import WebhookClients

            self._clients = WebhookClients(self.app.config.webhooks_timeout)
        return self._clients.for_target(target)

    async def close(self) -> None:
        if self._clients is not None:
            await self._clients.close()
            self._clients = None

    # ---- one attempt --------------------------------------------------------------------------

    async def attempt(self, webhook: Record, event_id: str, body: dict[str, Any]) -> Outcome:
        """POST `body` to `webhook` once, signed as event `event_id`; never raises for the
        receiver's sake (the outcome says what happened)."""
        import httpx  # see _http

        started = time.perf_counter()

        def took() -> int:
            return int((time.perf_counter() - started) * 1000)

        raw = encode_body(body)
        try:
            headers = signed_headers(str(webhook.data.get("secret") or ""), event_id, int(time.time()), raw)
        except ValueError as exc:
            return Outcome(False, error=f"invalid secret: {exc}", permanent=True)
        cfg = self.app.config
        try:
            target = await target_for(
                str(webhook.data.get("url") or ""), allow_private=cfg.webhooks_allow_private
            )
        except UnsafeUrl as exc:
            return Outcome(False, duration_ms=took(), error=str(exc), permanent=True)
        except HostNotResolved as exc:
            return Outcome(False, duration_ms=took(), error=str(exc))
        span_attributes = _span_attributes(webhook) if tracing.on() else {}
        try:
            # the client's timeout bounds each phase; this bounds the whole attempt
            async with asyncio.timeout(cfg.webhooks_timeout + 1):
                with tracing.client_span("webhook POST", span_attributes) as span:
                    headers = {**headers, **target.headers}
                    tracing.inject(headers)  # the receiver's spans join the write's trace
                    async with self._http(target).stream(
                        "POST",
                        target.url,
                        content=raw,
                        headers=headers,
                        extensions=dict(target.extensions),
                    ) as response:
                        status = response.status_code
                        tracing.annotate(span, "http.response.status_code", status)
                        if not 200 <= status < 300:
                            tracing.failed(span, f"HTTP {status}")
                        await _drain(response)
        except (TimeoutError, httpx.TimeoutException):
            return Outcome(False, duration_ms=took(), error=f"no answer within {cfg.webhooks_timeout:g} s")
        except httpx.HTTPError as exc:
            return Outcome(False, duration_ms=took(), error=_describe(exc))
        if 200 <= status < 300:
            return Outcome(True, status, took())
        reason = f"HTTP {status}"
        if 300 <= status < 400:
            reason += " (redirects are not followed)"
        return Outcome(False, status, took(), reason)

    async def log_attempt(
        self,
        webhook_id: str,
        event_id: str,
        body: dict[str, Any],
        attempt: int,
        outcome: Outcome,
        next_attempt: str = "",
    ) -> Record | None:
        """The attempt as a `_webhookDeliveries` row (None when its webhook is gone)."""
        app = self.app
        collection = app.registry.find_collection(DELIVERIES)
        if collection is None:
            return None
        data = {
            "webhook": webhook_id,
            "eventId": event_id,
            "eventType": str(body.get("type") or ""),
            "attempt": attempt,
            "statusCode": outcome.status_code,
            "durationMs": outcome.duration_ms,
            "error": outcome.error[:_MAX_ERROR],
            "nextAttempt": next_attempt,
            "delivered": outcome.delivered,
            "requestBody": body,
        }
        try:
            async with app.transaction() as tx:
                return await app.records.create(tx, collection, data, acting_superuser(app.registry))
        except ApiError as exc:  # the webhook was deleted meanwhile: nothing to log it under
            log.info("webhook delivery not logged", extra={"webhook": webhook_id, "reason": exc.message})
            return None

    async def find_webhook(self, webhook_id: str) -> Record | None:
        collection = self.app.registry.find_collection(WEBHOOKS)
        if collection is None:
            return None
        return await find_by_id(self.app.db, collection, webhook_id)

    # ---- the job ------------------------------------------------------------------------------

    async def run_job(
        self, payload: dict[str, Any], attempt: int, max_attempts: int, retry_in: float | None
    ) -> None:
        """One `webhook.deliver` attempt (`retry_in`: seconds until the queue's next attempt
        should this one fail, if known). Raises DeliveryFailed to be retried, DeliveryRefused
        to be dead-lettered."""
        await self.app.refresh_if_stale()  # a worker may not have seen the webhook collections yet
        webhook_id, event_id, body = str(payload["webhook"]), str(payload["id"]), payload["body"]
        webhook = await self.find_webhook(webhook_id)
        if webhook is None or not webhook.data.get("active"):
            return  # deleted or deactivated since: nothing to deliver
        outcome = await self.attempt(webhook, event_id, body)
        retried = not outcome.delivered and not outcome.permanent and attempt < max_attempts
        WEBHOOK_DELIVERIES.labels("delivered" if outcome.delivered else "retry" if retried else "dead").inc()
        next_attempt = _after(retry_in) if retried and retry_in is not None else ""
        await self.log_attempt(webhook_id, event_id, body, attempt, outcome, next_attempt)
        if outcome.delivered:
            return
        if outcome.permanent:
            raise DeliveryRefused(outcome.error)
        raise DeliveryFailed(outcome.error)


def _span_attributes(webhook: Record) -> dict[str, str | int]:
    """The delivery span's attributes: never the URL itself, which may hold a secret (path or
    query), only its host."""
    return {
        "http.request.method": "POST",
        "server.address": urlsplit(str(webhook.data.get("url") or "")).hostname or "",
        "bastion.webhook.id": webhook.id,
    }


async def _drain(response: httpx.Response) -> None:
    """Read (and drop) a short answer's body, which lets its connection serve the next attempt;
    a longer one is left unread and its connection closed: a receiver cannot make us read much."""
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read > DRAIN_LIMIT:
            return


def _after(seconds: float) -> str:
    moment = datetime.fromtimestamp(time.time() + seconds, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _describe(exc: httpx.HTTPError) -> str:
    """A connection failure in a few words (httpx's messages can be empty)."""
    import httpx  # see WebhookDelivery._http

    text = str(exc) or repr(exc)
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {text}"
    return f"{type(exc).__name__}: {text}"
