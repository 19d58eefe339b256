"""/api/settings — superusers only; secrets are masked on the way out and kept when sent back masked."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bastion.api.collections import superuser_access
from bastion.api.context import JSONResponse, get_app, picked, read_body
from bastion.core import settings_model
from bastion.errors import ValidationError


async def get_settings(request: Request) -> Response:
    app = get_app(request)
    await superuser_access(request)
    return JSONResponse(picked(settings_model.masked(app.settings), request.query_params))


async def update_settings(request: Request) -> Response:
    app = get_app(request)
    body = await read_body(request)
    await superuser_access(request, body)
    doc = settings_model.merge_update(app.settings, body)
    errors = settings_model.validate_settings(doc)
    if errors:
        raise ValidationError(errors, settings_model.SAVE_ERROR)
    async with app.transaction() as tx:
        await app.save_settings(tx, doc)
    return JSONResponse(picked(settings_model.masked(doc), request.query_params))


routes = [
    Route("/api/settings", get_settings, methods=["GET"]),
    Route("/api/settings", update_settings, methods=["PATCH"]),
]
