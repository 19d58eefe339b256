"""/api/settings — superusers only; secrets are masked on the way out and kept when sent back masked."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from bastion.api.collections import superuser_access
from bastion.api.context import JSONResponse, get_app, picked, read_body_or
from bastion.core.settings_binding import LOAD_ERROR, SAVE_ERROR, bind_settings, masked
from bastion.errors import BadRequestError, ValidationError

_JSON_TYPES = ("application/json", "")


async def get_settings(request: Request) -> Response:
    app = get_app(request)
    await superuser_access(request)
    return JSONResponse(picked(masked(app.settings), request.query_params))


async def update_settings(request: Request) -> Response:
    app = get_app(request)
    await superuser_access(request)  # PocketBase checks the caller before it reads the body
    settings = bind_settings(app.settings, await _read_patch(request))
    errors = settings.validate()
    if errors:
        raise ValidationError(errors, SAVE_ERROR)
    async with app.transaction() as tx:
        await app.save_settings(tx, settings)
    return JSONResponse(picked(masked(settings), request.query_params))


async def _read_patch(request: Request) -> Any:
    """The JSON body as PocketBase's binder reads it: anything it cannot decode (bad syntax, a
    number past float64, a lone surrogate, one member name given twice) is its load error, and
    any JSON value comes through (`null` and arrays are bind_settings' to answer)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in _JSON_TYPES and not ctype.endswith("+json"):
        return await read_body_or(request, LOAD_ERROR)
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = msgspec.json.decode(raw)  # strict JSON: no NaN, no lone surrogates
        json.loads(raw, object_pairs_hook=_refuse_repeated_names)
    except (msgspec.DecodeError, ValueError, RecursionError):
        raise BadRequestError(LOAD_ERROR) from None
    return data


def _refuse_repeated_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("repeated member name")
    return out
