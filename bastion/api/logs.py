"""/api/logs — the request logs, superusers only (PocketBase's logs API).

    GET    /api/logs          page, perPage, sort, filter, fields, skipTotal over `_logs`
    GET    /api/logs/stats    `[{date, total}]` per hour, with an optional filter
    GET    /api/logs/{id}     one log
    DELETE /api/logs          delete every log (the admin UI's "Delete all logs"), 204

Answers as PocketBase 0.40.6: 401 without a token, 403 for a non-superuser, 404 for an unknown
id; a bad list query is the generic 400, a bad stats filter "Invalid filter format.".
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion import rules
from bastion.api.collections import superuser_access
from bastion.api.context import JSONResponse, get_app, picked
from bastion.core.datetime_format import now_str
from bastion.core.list_result import ListQuery
from bastion.errors import BadRequestError, NotFoundError, UnavailableError
from bastion.logs import RequestLogs, log_query
from bastion.store.database import Database
from bastion.store.errors import InvalidValueError


def _logs(request: Request) -> RequestLogs:
    logs = get_app(request).request_logs
    if logs is None:
        raise UnavailableError()
    return logs


def _reader(request: Request) -> Database:
    return _logs(request).store.reader


async def list_logs(request: Request) -> Response:
    await superuser_access(request)
    query = ListQuery.parse(request.query_params)
    try:
        result = await log_query.find_page(_reader(request), query)
    except (rules.RuleSyntaxError, rules.RuleResolveError, InvalidValueError) as exc:
        raise BadRequestError() from exc
    return JSONResponse(picked(result, request.query_params))


async def logs_stats(request: Request) -> Response:
    await superuser_access(request)
    try:
        stats = await log_query.hourly_stats(_reader(request), request.query_params.get("filter", ""))
    except (rules.RuleSyntaxError, rules.RuleResolveError) as exc:
        raise BadRequestError("Invalid filter format.") from exc
    except InvalidValueError as exc:
        raise BadRequestError("Failed to generate logs stats.") from exc
    return JSONResponse(picked(stats, request.query_params))


async def view_log(request: Request) -> Response:
    await superuser_access(request)
    found = await log_query.find_by_id(_reader(request), request.path_params["id"])
    if found is None:
        raise NotFoundError()
    return JSONResponse(picked(found, request.query_params))


async def delete_logs(request: Request) -> Response:
    await superuser_access(request)
    logs = _logs(request)
    await logs.writer.flush()  # what this process buffered goes now; other processes' is dropped
    await logs.store.delete_all(now_str())
    await logs.store.reclaim()
    return Response(status_code=204)
