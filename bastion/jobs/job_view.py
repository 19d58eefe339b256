"""What a job shows in the jobs API and the dashboard: never a secret its payload may carry.

A payload is whatever its producer stored: a webhook delivery's carries the changed record, a mail
job's a link with a token. The listing shows only the payload keys of kinds known to carry nothing
secret; every other kind (including those added later) shows no payload at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bastion.core.datetime_format import format_dt
from bastion.jobs.cron import KIND_PREFIX as CRON_PREFIX
from bastion.jobs.queue import JobInfo
from bastion.jobs.sinks.route import PUBLISH
from bastion.jobs.webhooks.route import DELIVER

# kind → the payload keys that identify the work without its data (ids and names only)
_SHOWN_KEYS: dict[str, tuple[str, ...]] = {
    DELIVER: ("webhook", "id"),
    PUBLISH: ("sink", "id", "type", "collection"),
}
_CRON_KEYS = ("tick", "manual")  # every `cron:{id}` kind: a scheduled tick or a manual run


def shown_payload(kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The part of `payload` that may be shown, None when none may."""
    keys = _CRON_KEYS if kind.startswith(CRON_PREFIX) else _SHOWN_KEYS.get(kind)
    if keys is None:
        return None
    return {k: payload[k] for k in keys if k in payload}


def job_view(job: JobInfo) -> dict[str, Any]:
    """A job as `GET /api/jobs` lists it (PocketBase's camelCase, its date format)."""
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "attempts": job.attempts,
        "maxAttempts": job.max_attempts,
        "runAt": format_dt(datetime.fromtimestamp(job.run_at, UTC)),
        "lastError": job.last_error or "",
        "payload": shown_payload(job.kind, job.payload),
        "created": job.created,
        "updated": job.updated,
    }
