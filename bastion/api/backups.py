"""/api/backups — PocketBase's backups API (the JS SDK's `pb.backups`), for SQLite data directories.

    GET    /api/backups                 `[{modified, key, size}]` by key (PocketBase 0.40 lists
                                        them in its file system's order, not by date)
    POST   /api/backups                 `{"name"?: "x.zip"}` → 204 once the archive is written
    POST   /api/backups/upload          multipart `file` (a zip) → 204
    GET    /api/backups/{key}?token=    the archive, for a superuser's file token
    DELETE /api/backups/{key}           204
    POST   /api/backups/{key}/restore   204 once the backup's files are in the data directory;
                                        then the server restarts on them

Superusers only (401/403 as every superuser route), except the download, which takes a file
token in the query as PocketBase does (403 "Insufficient permissions…" otherwise). Messages and
validation codes are PocketBase 0.40's (apis/backup*.go). A PostgreSQL deployment's backups hold
a pg_dump of its schema (store/pg_dump.py); without pg_dump on the PATH creating one answers 400
saying to install postgresql-client. With `backups.s3.enabled` the archives are in that bucket
(backups/backup_store_s3.py); a bucket that cannot be reached answers 400 "Failed to …" (500 for
the download, as PocketBase) with the client's reason.
"""

from __future__ import annotations

from email.utils import formatdate
from typing import Any
from urllib.parse import quote

from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from bastion.api.collections import superuser_access
from bastion.api.context import JSONResponse, client_address, get_app, picked, read_body_or
from bastion.backups import BackupBusy, BackupFailed, Backups, BackupStoreError, RestoreError
from bastion.backups.backup_names import MANUAL_PREFIX, MAX_NAME_LENGTH, NAME_PATTERN, generate_name
from bastion.core.datetime_format import format_dt
from bastion.core.superuser_ips import superuser_ip_allowed
from bastion.errors import (
    BadRequestError,
    ForbiddenError,
    InternalError,
    NotFoundError,
    ValidationError,
    field_error,
)
from bastion.files.file_tokens import file_token_owner

BUSY = "Try again later - another backup/restore process has already been started."
INVALID_DATA = "An error occurred while validating the submitted data."
_NAME_TAKEN = field_error(
    "validation_backup_name_exists", "The backup file name is invalid or already exists."
)


def _backups(request: Request, *, writing: bool = False) -> Backups:
    backups = get_app(request).backups
    if writing and not backups.supported:  # the App has not opened its database
        raise BadRequestError("Failed to load backups filesystem.")
    return backups


async def list_backups(request: Request) -> Response:
    await superuser_access(request)
    try:
        found = await _backups(request).list()
    except BackupStoreError as exc:
        raise BadRequestError(f"Failed to retrieve backup items. Raw error: \n{exc}") from None
    body = [{"modified": format_dt(b.modified), "key": b.key, "size": b.size} for b in found]
    return JSONResponse(picked(body, request.query_params))


async def create_backup(request: Request) -> Response:
    await superuser_access(request)
    backups = _backups(request, writing=True)
    if backups.active_name() is not None:
        raise BadRequestError(BUSY)
    body = await read_body_or(request, "An error occurred while loading the submitted data.")
    name = body.get("name") or ""
    if not isinstance(name, str):
        raise BadRequestError("An error occurred while loading the submitted data.")
    if name:
        if error := await _name_error(backups, name):
            raise ValidationError({"name": error}, INVALID_DATA)
    else:
        name = generate_name(MANUAL_PREFIX, get_app(request).settings.meta.app_name)
    try:
        await backups.create(name)
    except BackupBusy:
        raise BadRequestError(BUSY) from None
    except BackupFailed as exc:  # PostgreSQL: pg_dump missing or failing
        raise BadRequestError(f"Failed to create backup: {exc}") from None
    return Response(status_code=204)


async def _name_error(backups: Backups, name: str) -> dict[str, Any] | None:
    """The first rule `name` breaks, in PocketBase's order (length, format, not taken)."""
    if len(name) > MAX_NAME_LENGTH:
        return field_error(
            "validation_length_out_of_range",
            f"The length must be between 1 and {MAX_NAME_LENGTH}.",
            {"min": 1, "max": MAX_NAME_LENGTH},
        )
    if not NAME_PATTERN.match(name):
        return field_error("validation_match_invalid", "Must be in a valid format.")
    try:
        taken = await backups.exists(name)
    except BackupStoreError as exc:
        raise BadRequestError(f"Failed to create backup: {exc}") from None
    return _NAME_TAKEN if taken else None


async def upload_backup(request: Request) -> Response:
    await superuser_access(request)
    backups = _backups(request, writing=True)
    try:
        form = await request.form()
    except Exception:  # noqa: BLE001 - python-multipart raises several unrelated types
        form = None
    part = form.get("file") if form is not None else None
    if not isinstance(part, UploadFile):
        raise ValidationError({"file": field_error("validation_required", "Cannot be blank.")}, INVALID_DATA)
    name = (part.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    head = await part.read(4)
    await part.seek(0)
    if head != b"PK\x03\x04":
        message = f'"{name}" mime type must be one of: application/zip.'
        raise ValidationError({"file": field_error("validation_invalid_mime_type", message)}, INVALID_DATA)
    try:
        if not name or name.startswith(".") or await backups.exists(name):
            taken = field_error(
                "validation_backup_name_exists", "Backup file with the specified name already exists."
            )
            raise ValidationError({"file": taken}, INVALID_DATA)
        await backups.save_upload(part.file, name)
    except BackupStoreError as exc:
        raise BadRequestError(f"Failed to upload backup. Raw error: \n{exc}") from None
    return Response(status_code=204)


async def download_backup(request: Request) -> Response:
    app = get_app(request)
    owner = await file_token_owner(app.db, app.registry, request.query_params.get("token", ""))
    if (
        owner is None
        or not owner.collection.is_superusers
        or not superuser_ip_allowed(app.settings, client_address(request))
    ):
        raise ForbiddenError("Insufficient permissions to access the resource.")
    key = request.path_params["key"]
    try:
        download = await app.backups.open(key)
    except BackupStoreError as exc:
        raise InternalError(f"Failed to load backups filesystem. Raw error: \n{exc}") from None
    if download is None:
        raise NotFoundError()
    # PocketBase's policy for served files: nothing in it may run in the browser
    headers = {
        "Content-Security-Policy": "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
    }
    if download.path is not None:
        return FileResponse(download.path, filename=key, media_type="application/zip", headers=headers)
    assert download.chunks is not None
    # from the bucket, streamed: the headers FileResponse gives a local file
    headers |= {
        "Content-Disposition": _attachment(key),
        "Content-Length": str(download.info.size),
        "Last-Modified": formatdate(download.info.modified.timestamp(), usegmt=True),
    }
    return StreamingResponse(download.chunks, media_type="application/zip", headers=headers)


def _attachment(name: str) -> str:
    """Content-Disposition for a download named `name`, as Starlette's FileResponse writes it."""
    quoted = quote(name)
    return f"attachment; filename*=utf-8''{quoted}" if quoted != name else f'attachment; filename="{name}"'


async def delete_backup(request: Request) -> Response:
    await superuser_access(request)
    backups = _backups(request)
    key = request.path_params["key"]
    if key and backups.active_name() == key:
        raise BadRequestError("The backup is currently being used and cannot be deleted.")
    try:
        deleted = await backups.delete(key)
    except BackupStoreError as exc:
        raise BadRequestError(f"Invalid or already deleted backup file. Raw error: \n{exc}") from None
    if not deleted:
        # PocketBase's words, its file system's raw error included
        raw = f"[key: {key}] {backups.store.missing_error(key)}\nresource not found."
        raise BadRequestError(f"Invalid or already deleted backup file. Raw error: \n{raw}")
    return Response(status_code=204)


async def restore_backup(request: Request) -> Response:
    await superuser_access(request)
    backups = _backups(request, writing=True)
    if backups.active_name() is not None:
        raise BadRequestError(BUSY)
    key = request.path_params["key"]
    try:
        found = await backups.exists(key)
    except BackupStoreError as exc:
        raise BadRequestError(f"Failed to restore the backup: {exc}") from None
    if not found:
        raise BadRequestError("Missing or invalid backup file.")
    # Unlike PocketBase, which answers 204 at once and restores a second later (a failure is
    # only logged), the archive is checked and swapped in before answering: a bad archive is a
    # 400 and the data directory is left as it was. The restart follows the answer.
    try:
        await backups.restore(key)
    except BackupBusy:
        raise BadRequestError(BUSY) from None
    except RestoreError as exc:
        raise BadRequestError(f"Failed to restore the backup: {exc}") from None
    return Response(status_code=204, background=BackgroundTask(get_app(request).after_restore))
