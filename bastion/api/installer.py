"""The first superuser, created in the dashboard from the link `bastion serve` prints.

When `_superusers` is empty, `bastion serve` prints `<base>/_/#/pbinstall/<token>` (the route
PocketBase 0.40.6 prints). The token is an HS256 JWT of type `installer`, valid 30 minutes,
signed with the `_superusers` collection's auth-token secret under a key of its own, so it is
never mistaken for a sign-in token. Unlike PocketBase's, whose token belongs to a placeholder
superuser (`__pbinstaller@example.com`) and can do everything a superuser can until it expires,
this one can do exactly one thing: create the first superuser, and only while there is none.
That makes it single-use: once a superuser exists, every installer link is dead.

GET  /api/bastion/installer   (Authorization: <token>)   204 while the link can be used
POST /api/bastion/installer   {email, password, passwordConfirm}   the new superuser's record

Both answer 401 for a missing, forged or expired token and 400 once a superuser exists.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import JSONResponse, bearer_token, get_app, read_body
from bastion.app import App
from bastion.auth.tokens import issue_token, verify_token
from bastion.core.collection_model import SUPERUSERS, Collection
from bastion.core.record_access import Access
from bastion.core.record_export import export_record
from bastion.core.record_model import Record
from bastion.core.system_collections import SUPERUSERS_ID
from bastion.errors import BadRequestError, UnauthorizedError
from bastion.store import Executor, tables

TOKEN_TYPE = "installer"
TOKEN_DURATION = 30 * 60  # as PocketBase's installer token
# Prefixed to the collection secret, where a sign-in token has the record's tokenKey (50 random
# characters): no record's key can equal it, so the two kinds of token never verify as each other.
_KEY_PREFIX = "installer:"
DASHBOARD_ROUTE = "/_/#/pbinstall/"

INVALID = "The installer link is invalid or has expired: restart bastion serve for a new one."
DONE = "The first superuser already exists: sign in instead."


def _superusers(app: App) -> Collection:
    collection = app.registry.find_collection(SUPERUSERS_ID)
    assert collection is not None, "the _superusers system collection is always installed"
    return collection


async def superuser_count(db: Executor) -> int:
    return await tables.count_rows(db, SUPERUSERS)


def issue_installer_token(app: App) -> str:
    secret = _superusers(app).token_secret("authToken")
    return issue_token(
        TOKEN_TYPE,
        SUPERUSERS_ID,
        _KEY_PREFIX,
        secret,
        TOKEN_DURATION,
        token_type=TOKEN_TYPE,
        refreshable=False,
    )


async def installer_link(app: App, base_url: str) -> str | None:
    """The dashboard link that creates the first superuser, or None when there is one already."""
    if await superuser_count(app.db):
        return None
    return f"{base_url}{DASHBOARD_ROUTE}{issue_installer_token(app)}"


def _check_token(request: Request) -> App:
    app = get_app(request)
    secret = _superusers(app).token_secret("authToken")
    if verify_token(bearer_token(request), _KEY_PREFIX, secret, token_type=TOKEN_TYPE) is None:
        raise UnauthorizedError(INVALID)
    return app


async def check_link(request: Request) -> Response:
    app = _check_token(request)
    if await superuser_count(app.db):
        raise BadRequestError(DONE)
    return Response(status_code=204)


async def create_first_superuser(request: Request) -> Response:
    app = _check_token(request)
    body = await read_body(request)
    collection = _superusers(app)
    root = Access(auth=Record(collection, {"id": TOKEN_TYPE}))  # acting as a superuser, as the CLI does
    fields: dict[str, Any] = {k: body.get(k) for k in ("email", "password", "passwordConfirm") if k in body}
    async with app.transaction() as tx:
        # Two browsers submitting at once: the second waits here, then finds the first's row.
        await tables.lock_against_writers(tx, SUPERUSERS)
        if await superuser_count(tx):
            raise BadRequestError(DONE)
        record = await app.records.create(tx, collection, {**fields, "verified": True}, root)
    return JSONResponse(export_record(record, root))
