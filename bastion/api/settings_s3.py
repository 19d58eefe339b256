"""POST /api/settings/test/s3 — superusers check the saved S3 settings against the bucket.

As PocketBase: `{"filesystem": "storage" | "backups"}` picks the settings block; a test file is
uploaded and its prefix deleted (so listing and deleting work too); 204 on success, else 400
"Failed to test the S3 filesystem. Raw error: ..." with the reason.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.collections import superuser_access
from bastion.api.context import get_app, read_body_or
from bastion.core.settings_binding import LOAD_ERROR
from bastion.errors import BadRequestError, ValidationError, field_error

FAILED = "Failed to test the S3 filesystem."


async def test_s3(request: Request) -> Response:
    app = get_app(request)
    await superuser_access(request)
    body = await read_body_or(request, LOAD_ERROR)
    target = body.get("filesystem")
    if target in (None, ""):
        raise ValidationError({"filesystem": field_error("validation_required", "Cannot be blank.")}, FAILED)
    if target not in ("storage", "backups"):
        raise ValidationError(
            {"filesystem": field_error("validation_in_invalid", "Must be a valid value.")}, FAILED
        )
    s3 = app.settings.backups.s3 if target == "backups" else app.settings.s3
    if not s3.enabled:
        raise BadRequestError(f"{FAILED} Raw error: \nS3 storage filesystem is not enabled.")
    from bastion.files.storage_s3 import S3Storage  # boto3 is slow to import; only when used

    storage = S3Storage(s3)
    prefix = f"pb_settings_test_{secrets.token_hex(3)[:5]}/"
    step = "upload a test file"
    try:
        await storage.save_bytes(prefix + "test.txt", b"test", "text/plain; charset=utf-8")
        step = "delete a test file"
        await storage.delete_prefix(prefix)
    except Exception as exc:  # noqa: BLE001 - any client/connection error is the answer
        raise BadRequestError(f"{FAILED} Raw error: \nfailed to {step}: {exc}.") from None
    finally:
        await storage.close()
    return Response(status_code=204)
