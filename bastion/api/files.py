"""/api/files — download a record's file (thumbnails, protected files) and issue file tokens.

As in PocketBase: an unprotected file is served to anyone who knows its URL (the collection's
view rule is not checked); a protected one only when the view rule allows the owner of the
`?token=` file token (a guest when there is none). Every "no" is the same 404, so a URL does not
reveal whether a record or file exists.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import JSONResponse, client_address, get_app, load_access, require_auth, rule_headers
from bastion.core.fields import FileField
from bastion.core.record_access import Access, can_access_record
from bastion.core.record_query import find_by_id
from bastion.core.superuser_ips import superuser_ip_allowed
from bastion.errors import NotFoundError
from bastion.files import file_mime
from bastion.files.file_serve import serve
from bastion.files.file_thumbs import DEFAULT_THUMBS, THUMBABLE
from bastion.files.file_tokens import file_token_owner, issue_file_token
from bastion.files.storage_base import InvalidKeyError, record_key, thumb_key

log = logging.getLogger("bastion.files")


async def file_token(request: Request) -> Response:
    access = await load_access(request)
    require_auth(access)
    assert access.auth is not None
    return JSONResponse({"token": issue_file_token(access.auth)})


async def download(request: Request) -> Response:
    app = get_app(request)
    collection = app.registry.find_collection(request.path_params["collection"])
    if collection is None:
        raise NotFoundError("Missing or invalid collection context.")
    record_id, filename = request.path_params["recordId"], request.path_params["filename"]
    record = await find_by_id(app.db, collection, record_id) if record_id else None
    if record is None:
        raise NotFoundError()
    field = next(
        (
            f
            for f in collection.fields
            if isinstance(f, FileField) and filename in f.names(record.data.get(f.name))
        ),
        None,
    )
    if field is None:
        raise NotFoundError()
    protected = bool(getattr(field, "protected", False))
    if protected:
        owner = await file_token_owner(app.db, app.registry, request.query_params.get("token", ""))
        if (
            owner is not None
            and owner.collection.is_superusers
            and not superuser_ip_allowed(app.settings, client_address(request))
        ):
            owner = None  # a superuser's file token from elsewhere counts as none (PocketBase)
        access = Access(
            auth=owner,
            method=request.method,
            query=dict(request.query_params),
            headers=rule_headers(request.scope["headers"]),
            context="protectedFile",
        )
        if not await can_access_record(app.db, app.registry, record, collection.rule("viewRule"), access):
            raise NotFoundError()
    storage = app.files.storage
    try:
        key = record_key(collection.id, record.id, filename)
    except InvalidKeyError:
        raise NotFoundError() from None
    info = await storage.stat(key)
    if info is None:
        raise NotFoundError()
    served_key, served_name = key, filename
    thumb = request.query_params.get("thumb", "")
    allowed = (*DEFAULT_THUMBS, *getattr(field, "thumbs", []))
    if thumb and thumb in allowed and file_mime.base_type(info.content_type) in THUMBABLE:
        candidate = thumb_key(collection.id, record.id, filename, thumb)
        try:
            await app.thumbnailer.ensure(storage, key, candidate, thumb)
            thumb_info = await storage.stat(candidate)
        except Exception as exc:  # noqa: BLE001 - as PocketBase: any thumbnail failure serves the original
            log.warning("serving the original: thumbnail failed", extra={"key": candidate, "error": str(exc)})
            thumb_info = None
        if thumb_info is not None:
            served_key, served_name, info = candidate, f"{thumb}_{filename}", thumb_info
    return serve(request, storage, served_key, served_name, info, protected=protected)
