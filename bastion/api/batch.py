"""/api/batch — many record writes in one transaction: all of them happen, or none.

Off by default (settings `batch.enabled`), as in PocketBase. Each sub-request is a create (POST
…/records), upsert (PUT …/records), update (PATCH …/records/{id}) or delete (DELETE
…/records/{id}); they run in order inside one transaction with the caller's auth, and the first
failure rolls everything back and is reported with its index.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bastion.api.context import JSONResponse, get_app, load_access, load_auth, read_body
from bastion.api.records import collection_or_404, create_in_tx, delete_in_tx, update_in_tx
from bastion.app import App
from bastion.auth.auth_record import bearer_value
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

_RECORDS = re.compile(r"^/api/collections/([^/?#]+)/records(?:/([^/?#]+))?/?$")


INVALID_DATA = "Invalid batch request data."


class _SubFailed(Exception):
    def __init__(self, index: int, error: ApiError) -> None:
        self.index = index
        self.error = error


async def batch(request: Request) -> Response:
    app = get_app(request)
    cfg = app.settings.get("batch", {})
    if not cfg.get("enabled"):
        raise ForbiddenError("Batch requests are not allowed.")
    max_body = int(cfg.get("maxBodySize") or 0)
    if max_body and int(request.headers.get("content-length") or 0) > max_body:
        raise TooLargeError()
    try:
        body = await read_body(request)
    except BadRequestError:
        raise BadRequestError("Failed to read the submitted batch data.") from None
    access = await load_access(request, body)
    requests = body.get("requests")
    if isinstance(requests, list):
        _attach_files(body, requests)
    if not isinstance(requests, list) or not requests:
        raise ValidationError(
            {"requests": field_error("validation_required", "Cannot be blank.")}, INVALID_DATA
        )
    max_requests = int(cfg.get("maxRequests") or 50)
    if len(requests) > max_requests:
        raise ValidationError(
            {
                "requests": field_error(
                    "validation_length_too_long",
                    f"The length must be between 0 and {max_requests}.",
                    {"max": max_requests, "min": 0},
                )
            },
            INVALID_DATA,
        )
    timeout = float(cfg.get("timeout") or 3)
    try:
        async with asyncio.timeout(timeout):
            async with app.transaction() as tx:
                results = [await _run_one(app, tx, i, sub, access) for i, sub in enumerate(requests)]
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


async def _run_one(app: App, tx: Executor, index: int, sub: Any, access: Access) -> dict[str, Any]:
    try:
        if not isinstance(sub, dict):
            raise BadRequestError("Invalid batch request data.")
        method = str(sub.get("method", "")).upper()
        url = urlsplit(str(sub.get("url", "")))
        match = _RECORDS.match(url.path)
        if match is None:
            raise BadRequestError(
                "Invalid batch request url: only record create, upsert, update and delete are allowed."
            )
        collection = collection_or_404(app, match.group(1))
        record_id = match.group(2)
        body = sub.get("body") or {}
        if not isinstance(body, dict):
            raise BadRequestError("Invalid batch request body.")
        sub_access = await _sub_access(app, access, sub, method, dict(parse_qsl(url.query)), body)

        async def limit(tag: str, sub_method: str, rid: str | None = None) -> None:
            path = f"/api/collections/{match.group(1)}/records" + (f"/{rid}" if rid else "")
            await check_batch_request(
                app, access.client_ip, sub_access.auth, collection, sub_method, path, tag
            )

        if method == "PUT" and record_id is None:
            # an upsert is counted as what it turns out to be, as in PocketBase
            rid = body.get("id")
            if rid and await find_by_id(tx, collection, str(rid)) is not None:
                await limit("update", "PATCH", str(rid))
                return {
                    "status": 200,
                    "body": await update_in_tx(app, tx, collection, str(rid), body, sub_access),
                }
            method = "POST"
        if method == "POST" and record_id is None:
            await limit("create", "POST")
            return {"status": 200, "body": await create_in_tx(app, tx, collection, body, sub_access)}
        if method == "PATCH" and record_id:
            await limit("update", "PATCH", record_id)
            return {
                "status": 200,
                "body": await update_in_tx(app, tx, collection, record_id, body, sub_access),
            }
        if method == "DELETE" and record_id:
            await limit("delete", "DELETE", record_id)
            await delete_in_tx(app, tx, collection, record_id, sub_access)
            return {"status": 204, "body": None}
        raise BadRequestError("Invalid batch request method or url.")
    except ApiError as err:
        raise _SubFailed(index, err) from None


async def _sub_access(
    app: App, access: Access, sub: dict[str, Any], method: str, query: dict[str, Any], body: dict[str, Any]
) -> Access:
    headers = dict(access.headers)
    auth = access.auth
    extra = sub.get("headers")
    if isinstance(extra, dict):
        headers.update(normalize_headers({str(k): str(v) for k, v in extra.items()}))
        token = next((str(v) for k, v in extra.items() if str(k).lower() == "authorization"), None)
        if token is not None:
            auth = await load_auth(app, bearer_value(token))
    return Access(auth, method, query, headers, body, access.context, access.client_ip)


routes = [Route("/api/batch", batch, methods=["POST"])]
