"""/api/crons — the cron jobs, superusers only (PocketBase's crons API, the JS SDK's `pb.crons`).

    GET  /api/crons        `[{id, expression}]`: jobs added by the app sorted by id, then the
                           built-in `__pb…` ones in the order they were added (as PocketBase)
    POST /api/crons/{id}   run the job now, 204; it runs through the job queue, on whichever
                           process claims it (PocketBase runs it in the background too)

Answers as PocketBase 0.40: 401 without a token, 403 for a non-superuser, 404 "Missing or invalid
cron job." for an unknown id.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.collections import superuser_access
from bastion.api.context import JSONResponse, get_app, picked
from bastion.errors import NotFoundError
from bastion.jobs import CronEntry

_BUILT_IN_PREFIX = "__pb"


def listing_order(entries: list[CronEntry]) -> list[CronEntry]:
    """PocketBase's order: the app's own jobs by id first, then the built-in ones as added."""
    own = sorted((e for e in entries if not e.id.startswith(_BUILT_IN_PREFIX)), key=lambda e: e.id)
    return own + [e for e in entries if e.id.startswith(_BUILT_IN_PREFIX)]


async def list_crons(request: Request) -> Response:
    await superuser_access(request)
    entries = listing_order(get_app(request).crons.entries())
    body = [{"id": e.id, "expression": e.expression} for e in entries]
    return JSONResponse(picked(body, request.query_params))


async def run_cron(request: Request) -> Response:
    await superuser_access(request)
    if not await get_app(request).crons.run_now(request.path_params["id"]):
        raise NotFoundError("Missing or invalid cron job.")
    return Response(status_code=204)
