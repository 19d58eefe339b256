"""/api/jobs — the durable job queue (bastion/jobs), superusers only; Bastion's own API (PocketBase
has no job queue), answering in PocketBase's shapes.

    GET  /api/jobs               PocketBase's list shape {page, perPage, totalItems, totalPages,
                                 items}, the newest job first; `status` (queued, running, done,
                                 dead, or failed: queued again after a failed attempt) and `kind`
                                 filter it. An item never carries a payload's secrets
                                 (jobs/job_view.py).
    GET  /api/jobs/stats         {queued, running, done, dead, failed}: how many jobs of each
    POST /api/jobs/{id}/retry    a dead job queued again with a fresh set of attempts; the job as
                                 listed. 404 when there is no such job, 400 when it is not dead.

401 without a token and 403 for a non-superuser, as PocketBase's superuser-only routes.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.collections import superuser_access
from bastion.api.context import JSONResponse, get_app, picked
from bastion.core.list_result import (
    DEFAULT_PER_PAGE,
    list_result,
    normalize_page,
    normalize_per_page,
    parse_go_int,
)
from bastion.errors import BadRequestError, NotFoundError
from bastion.jobs.job_view import job_view
from bastion.store.job_queue import FAILED, STATUSES

_FILTER_STATUSES = (*STATUSES, FAILED)


async def list_jobs(request: Request) -> Response:
    await superuser_access(request)
    query = request.query_params
    status = query.get("status") or None
    if status is not None and status not in _FILTER_STATUSES:
        raise BadRequestError(f"Invalid job status, expected one of {', '.join(_FILTER_STATUSES)}.")
    kind = query.get("kind") or None
    page = normalize_page(parse_go_int(query["page"]) if query.get("page") else 1)
    per_page = normalize_per_page(
        parse_go_int(query["perPage"]) if query.get("perPage") else DEFAULT_PER_PAGE
    )
    jobs = get_app(request).jobs
    total = await jobs.count_jobs(status=status, kind=kind)
    found = await jobs.list_jobs(status=status, kind=kind, limit=per_page, offset=per_page * (page - 1))
    body = list_result(page, per_page, total, [job_view(job) for job in found])
    return JSONResponse(picked(body, query))


async def job_stats(request: Request) -> Response:
    await superuser_access(request)
    jobs = get_app(request).jobs
    counts = await jobs.counts()
    counts[FAILED] = await jobs.count_jobs(status=FAILED)
    return JSONResponse(counts)


async def retry_job(request: Request) -> Response:
    await superuser_access(request)
    jobs = get_app(request).jobs
    job_id = request.path_params["id"]
    if not await jobs.retry(job_id):
        if await jobs.get_job(job_id) is None:
            raise NotFoundError()
        raise BadRequestError("Only a dead job can be retried.")
    job = await jobs.get_job(job_id)
    if job is None:  # purged meanwhile: it ran and finished
        raise NotFoundError()
    return JSONResponse(job_view(job))
