"""/api/batch — many record writes in one transaction: all of them happen, or none.

Off by default (settings `batch.enabled`), as in PocketBase. Each sub-request is a create (POST
…/records), upsert (PUT …/records), update (PATCH …/records/{id}) or delete (DELETE
…/records/{id}); they run in order inside one transaction with the caller's auth, and the first
failure rolls everything back and is reported with its index.

A sub-request's `url` is matched as PocketBase matches it, against the routes the route table
marks `batch` (api/route_table.py): the raw text must be exactly one of their paths (PUT, the
upsert, as a create's) with an optional query, so an absolute URL (`http://host/api/…`), a
trailing slash, a fragment or a query that does not decode is refused (400, the batch rolled
back), never executed. A sub-request is rate limited as the route it names (its action tag).
Items are checked for shape (`method`, `url`, `body`, `headers` types) and validated (method one
of GET/POST/PUT/PATCH/DELETE, url required and at most 2,000 characters) before anything runs.
A sub-request's own `Authorization` header is ignored, as in PocketBase: the batch runs with the
caller's auth; its rules see `@request.context = "batch"`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import JSONResponse, get_app, load_access, read_body
from bastion.api.records import collection_or_404, create_in_tx, delete_in_tx, request_hooks, update_in_tx
from bastion.api.route_spec import ApiRoute, whole_path_route
from bastion.api.webhooks import ensure_installed, names_webhooks
from bastion.app import App
from bastion.bus.events import Action
from bastion.core.fields.field_file import is_upload
from bastion.core.record_access import Access, normalize_headers
from bastion.core.record_query import find_by_id
from bastion.errors import (
    ApiError,
    BadRequestError,
    ForbiddenError,
    TooLargeError,
    ValidationError,
    field_error,
)
from bastion.ratelimit import check_batch_request
from bastion.store.database import Executor

# The routes a sub-request may name, by action; the route table (which names this module's
# handler, so it cannot be imported here) hands them to `handler`.
BatchRoutes = Mapping[str, ApiRoute]
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# the record hook action of a batch route (a PUT resolves to the create route)
_ACTIONS: dict[str, Action] = {"create": "create", "update": "update", "delete": "delete"}
_MAX_URL = 2000
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")

INVALID_DATA = "Invalid batch request data."
READ_FAILED = "Failed to read the submitted batch data."


class _SubFailed(Exception):
    def __init__(self, index: int, error: ApiError) -> None:
        self.index = index
        self.error = error


def handler(routes: BatchRoutes) -> Callable[[Request], Awaitable[Response]]:
    """The /api/batch handler over `routes`, the routes a sub-request may name, by action."""

    async def batch(request: Request) -> Response:
        return await _batch(request, routes)

    return batch


async def _batch(request: Request, routes: BatchRoutes) -> Response:
    app = get_app(request)
    cfg = app.settings.batch
    if not cfg.enabled:
        raise ForbiddenError("Batch requests are not allowed.")
    max_body = cfg.max_body_size
    if max_body and int(request.headers.get("content-length") or 0) > max_body:
        raise TooLargeError()
    try:
        body = await read_body(request)
    except BadRequestError:
        raise BadRequestError(READ_FAILED) from None
    access = await load_access(request, body)
    requests = body.get("requests")
    if requests is not None and not _well_formed(requests):
        raise BadRequestError(READ_FAILED)  # PocketBase fails to decode the form itself
    if requests:
        _attach_files(body, requests)
    if not requests:
        raise ValidationError(
            {"requests": field_error("validation_required", "Cannot be blank.")}, INVALID_DATA
        )
    max_requests = cfg.max_requests or 50
    if len(requests) > max_requests:
        raise ValidationError(
            {
                "requests": field_error(
                    "validation_length_too_long",
                    f"The length must be no more than {max_requests}.",
                    {"max": max_requests, "min": 0},
                )
            },
            INVALID_DATA,
        )
    item_errors = {str(i): e for i, sub in enumerate(requests) if (e := _item_errors(sub))}
    if item_errors:
        raise ValidationError({"requests": item_errors}, INVALID_DATA)
    if access.is_superuser and any(_names_webhooks(sub.get("url") or "") for sub in requests):
        await ensure_installed(app)  # before the transaction the sub-requests share
    timeout = float(cfg.timeout or 3)
    try:
        async with asyncio.timeout(timeout):
            async with app.transaction() as tx:
                results = [await _run_one(app, tx, i, sub, access, routes) for i, sub in enumerate(requests)]
    except _SubFailed as failed:
        response = failed.error.to_dict()
        raise BadRequestError(
            "Batch transaction failed.",
            {
                "requests": {
                    str(failed.index): {
                        "code": "batch_request_failed",
                        "message": "Batch request failed.",
                        "response": response,
                    }
                }
            },
        ) from None
    except TimeoutError:
        raise BadRequestError("Batch transaction failed: it took longer than the allowed timeout.") from None
    return JSONResponse(results)


_FILE_KEY = re.compile(r"^requests(?:\.(\d+)\.|\[(\d+)\]\.)(.+)$")


def _attach_files(body: dict[str, Any], requests: list[Any]) -> None:
    """Multipart files sent as `requests.N.field` / `requests[N].field` join request N's body."""
    for key, value in body.items():
        match = _FILE_KEY.match(key)
        if match is None:
            continue
        index = int(match.group(1) or match.group(2))
        files = [v for v in (value if isinstance(value, list) else [value]) if is_upload(v)]
        if files and index < len(requests) and isinstance(requests[index], dict):
            sub_body = requests[index].setdefault("body", {})
            if isinstance(sub_body, dict):
                sub_body[match.group(3)] = files


def _names_webhooks(url: str) -> bool:
    """Whether a sub-request's url names a webhook collection (`/api/collections/<name>/…`)."""
    parts = url.split("?", 1)[0].split("/")
    return len(parts) > 3 and parts[1:3] == ["api", "collections"] and names_webhooks(unquote_plus(parts[3]))


def _well_formed(requests: Any) -> bool:
    """The types PocketBase decodes the form into: a list of objects whose `method` and `url` are
    strings, `body` an object and `headers` an object of strings (each may be null or absent)."""
    if not isinstance(requests, list):
        return False
    for sub in requests:
        if not isinstance(sub, dict):
            return False
        if not all(isinstance(sub.get(k), str | None) for k in ("method", "url")):
            return False
        if not isinstance(sub.get("body"), dict | None):
            return False
        headers = sub.get("headers")
        if headers is not None and not (
            isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())
        ):
            return False
    return True


def _item_errors(sub: dict[str, Any]) -> dict[str, Any]:
    """PocketBase's validation of one sub-request (before any runs)."""
    errors: dict[str, Any] = {}
    method = sub.get("method") or ""
    if not method:
        errors["method"] = field_error("validation_required", "Cannot be blank.")
    elif method not in _METHODS:
        errors["method"] = field_error("validation_in_invalid", "Must be a valid value.")
    url = sub.get("url") or ""
    if not url:
        errors["url"] = field_error("validation_required", "Cannot be blank.")
    elif len(url) > _MAX_URL:
        errors["url"] = field_error(
            "validation_length_too_long",
            f"The length must be no more than {_MAX_URL}.",
            {"max": _MAX_URL, "min": 0},
        )
    return errors


def _sub_query(raw: str) -> dict[str, str]:
    """A sub-request's query, first value of each name; a `;` separator or a `%` that is no
    escape makes the sub-request fail, as Go's query parser refuses them in PocketBase."""
    query: dict[str, str] = {}
    for pair in raw.split("#", 1)[0].split("&"):
        if not pair:
            continue
        if ";" in pair or _BAD_ESCAPE.search(pair):
            raise BadRequestError()
        key, _, value = pair.partition("=")
        query.setdefault(unquote_plus(key), unquote_plus(value))
    return query


def _resolve(routes: BatchRoutes, method: str, url: str) -> tuple[ApiRoute, dict[str, str], str]:
    """The route a sub-request names, its path parameters and its raw query; 400 for any other url.

    The url is taken as written: no scheme or host, the path exactly a route's (no trailing slash,
    nothing unescaped), the query (after the first `?`) on one line. PUT, the upsert, names the
    create route; it turns into an update below when the record exists."""
    path, _, raw_query = url.partition("?")
    if "\n" not in raw_query:
        wanted = "POST" if method == "PUT" else method
        found = whole_path_route(routes.values(), wanted, path)
        if found is not None:
            return found[0], found[1], raw_query
    raise BadRequestError()  # an absolute url, another route, a trailing slash: no such action


async def _run_one(
    app: App, tx: Executor, index: int, sub: dict[str, Any], access: Access, routes: BatchRoutes
) -> dict[str, Any]:
    try:
        route, params, raw_query = _resolve(routes, sub["method"], sub["url"])
        query = _sub_query(raw_query)
        collection_ref = params["collection"]
        collection = collection_or_404(app, collection_ref)
        body = sub.get("body") or {}
        sub_access = _sub_access(access, sub, sub["method"], query, body)

        async def limit(route: ApiRoute, rid: str | None = None) -> None:
            path = route.path.format(collection=collection_ref, id=rid)
            await check_batch_request(
                app, access.client_ip, sub_access.auth, collection, route.method, path, route.action
            )

        if sub["method"] == "PUT":
            # an upsert is counted as what it turns out to be, as in PocketBase
            rid = body.get("id")
            if rid and await find_by_id(tx, collection, str(rid)) is not None:
                await limit(routes["update"], str(rid))
                await request_hooks(app, "update", collection, body, sub_access, str(rid))
                return {
                    "status": 200,
                    "body": await update_in_tx(app, tx, collection, str(rid), body, sub_access),
                }
        await limit(route, params.get("id"))
        await request_hooks(app, _ACTIONS[route.action], collection, body, sub_access, params.get("id"))
        if route.action == "create":
            return {"status": 200, "body": await create_in_tx(app, tx, collection, body, sub_access)}
        if route.action == "update":
            return {
                "status": 200,
                "body": await update_in_tx(app, tx, collection, params["id"], body, sub_access),
            }
        await delete_in_tx(app, tx, collection, params["id"], sub_access)
        return {"status": 204, "body": None}
    except ApiError as err:
        raise _SubFailed(index, err) from None


def _sub_access(
    access: Access, sub: dict[str, Any], method: str, query: dict[str, str], body: dict[str, Any]
) -> Access:
    headers = dict(access.headers)
    extra = sub.get("headers") or {}
    # A sub-request's Authorization changes nothing (PocketBase): the batch runs as its caller.
    extra = {k: v for k, v in extra.items() if k.lower() != "authorization"}
    headers.update(normalize_headers(extra))
    return Access(access.auth, method, query, headers, body, "batch", access.client_ip)
