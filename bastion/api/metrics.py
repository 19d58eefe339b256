"""GET /metrics — the node's Prometheus metrics (obs/metrics.py; docs/operations.md lists them).

Who may read them: a superuser's token, as PocketBase's superuser-only routes (401 without a
token, 403 for another account), or `Authorization: Bearer <metrics_token>` when the setting is
set, the static secret a Prometheus scrape job is configured with (compared in constant time).

The answer is Prometheus' text format, or OpenMetrics when the scraper's `Accept` asks for it.
The job queue's depth is read from the database at scrape time (one grouped count, bounded by
`db_ready_timeout`); should it not answer in time, the scrape goes on without `bastion_jobs`.
When the process shares record events with others, the pub/sub is asked for one round trip within
the same time (`bastion_realtime_pubsub_up`, 1 or 0): readiness leaves it out (api/ready.py).

`RequestMetrics` is what the edge layer tells of every request (http/edge.py): it counts into the
process's tally (obs/metric_tally.py) with the route pattern the dispatcher matched
(`scope["state"]["route"]`, api/dispatch.py), never the raw path.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from prometheus_client.core import GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import Response

from bastion.api.collections import superuser_access
from bastion.api.context import get_app
from bastion.http.asgi_headers import Scope
from bastion.obs import metrics
from bastion.obs.metric_tally import TALLY, UNMATCHED
from bastion.store.job_queue import FAILED

log = logging.getLogger("bastion.metrics")

_QUEUE_STATUSES = ("queued", "running", "dead")


class RequestMetrics:
    """The edge layer's observer: the request count, duration and in-flight gauge."""

    __slots__ = ()

    def started(self) -> None:
        TALLY.in_flight += 1

    def finished(self, scope: Scope, status: int, seconds: float) -> None:
        state = scope.get("state")
        route = state.get("route", UNMATCHED) if state is not None else UNMATCHED
        TALLY.request_finished(route, scope["method"], status, seconds)


async def scrape(request: Request) -> Response:
    app = get_app(request)
    if not _scraper_token(request, app.config.metrics_token):
        await superuser_access(request)
    extra: list[GaugeMetricFamily] = []
    try:
        extra.append(await asyncio.wait_for(_queue_depth(request), app.config.db_ready_timeout))
    except Exception:  # the database is slow or away: the other metrics still answer
        log.warning("metrics: the job queue's depth could not be read", exc_info=True)
    if app.events_cross_processes:
        extra.append(await _pubsub_up(request))
    metrics.watch_pool(app.db)  # (the server's workers set it at start; an embedding may not)
    body, content_type = metrics.exposition(request.headers.get("accept"), extra)
    return Response(body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})


def _scraper_token(request: Request, token: str) -> bool:
    if not token:
        return False
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


async def _pubsub_up(request: Request) -> GaugeMetricFamily:
    app = get_app(request)
    try:
        async with asyncio.timeout(app.config.db_ready_timeout):
            await app.ping_pubsub()
        up = 1
    except Exception as exc:
        log.warning("metrics: the realtime pub/sub does not answer: %r", exc)
        up = 0
    return GaugeMetricFamily(
        "bastion_realtime_pubsub_up",
        "1 when the pub/sub that carries record events between processes answered a round trip "
        "at scrape time, else 0 (present only when this process shares events with others).",
        value=up,
    )


async def _queue_depth(request: Request) -> GaugeMetricFamily:
    jobs = get_app(request).jobs
    counts = await jobs.counts()
    counts[FAILED] = await jobs.count_jobs(status=FAILED)
    family = GaugeMetricFamily(
        "bastion_jobs",
        "Jobs in the queue (whole database, read at scrape time) by status: queued (failed ones "
        "included), running, failed (queued again after a failed attempt), dead.",
        labels=["status"],
    )
    for status in (*_QUEUE_STATUSES, FAILED):
        family.add_metric([status], counts.get(status, 0))
    return family
