"""OAuth2 sign-in of auth collections: `auth-methods`' provider entries and `auth-with-oauth2`.

The client reads a provider's `authURL` (state and PKCE challenge already in it, `redirect_uri=`
left empty for the client to append), sends the user there, and posts back the code with the
`codeVerifier` it kept. Nothing is stored between the two requests: the state is checked by the
client, and the verifier by the provider at the code exchange.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion.api.context import get_app, load_access, read_body
from bastion.api.record_auth_response import auth_response
from bastion.auth.oauth2 import apple_name
from bastion.auth.oauth2.oauth2_login import sign_in
from bastion.auth.oauth2.provider_client import ProviderError, init_provider
from bastion.auth.oauth2.provider_entries import oauth2_providers_for, provider_configs
from bastion.auth.oauth2.provider_presets import ExternalUser
from bastion.core.collection_model import Collection
from bastion.core.record_model import Record
from bastion.errors import (
    BadRequestError,
    ForbiddenError,
    InternalError,
    NotFoundError,
    ValidationError,
    field_error,
)
from bastion.realtime.oauth2_relay import RedirectAnswer

log = logging.getLogger("bastion.oauth2")

__all__ = ["oauth2_providers_for"]


def _form_errors(collection: Collection, body: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    provider = body.get("provider")
    if not isinstance(provider, str) or not provider:
        errors["provider"] = field_error("validation_required", "Cannot be blank.")
    elif len(provider) > 100:
        errors["provider"] = field_error(
            "validation_length_out_of_range", "The length must be between 0 and 100."
        )
    elif not any(p.get("name") == provider for p in provider_configs(collection)):
        errors["provider"] = field_error(
            "validation_invalid_provider", f"Provider with name {provider} is missing or is not enabled."
        )
    if not isinstance(body.get("code"), str) or not body.get("code"):
        errors["code"] = field_error("validation_required", "Cannot be blank.")
    return errors


async def auth_with_oauth2(request: Request) -> Response:
    app = get_app(request)
    collection = app.registry.find_collection(request.path_params["collection"])
    if collection is None or not collection.is_auth:
        raise NotFoundError("Missing or invalid auth collection context.")
    if not collection.options.get("oauth2", {}).get("enabled"):
        raise ForbiddenError("The collection is not configured to allow OAuth2 authentication.")
    body = await read_body(request)
    access = await load_access(request, body)
    access.context = "oauth2"
    errors = _form_errors(collection, body)
    if errors:
        raise ValidationError(errors, "An error occurred while loading the submitted data.")
    # `redirectUrl` is the pre-0.23 spelling PocketBase still accepts.
    redirect_url = str(body.get("redirectURL") or body.get("redirectUrl") or "")
    config = next(p for p in provider_configs(collection) if p.get("name") == body["provider"])
    try:
        provider = await init_provider(config, app.oauth2_documents)
    except (ProviderError, ValueError, OSError) as exc:
        log.warning("OAuth2 provider %s failed to initialise: %s", body["provider"], exc)
        raise InternalError(f"Failed to init provider {body['provider']}") from None
    try:
        token = await provider.fetch_token(body["code"], redirect_url, str(body.get("codeVerifier") or ""))
    except (ProviderError, ValueError, OSError) as exc:
        log.info("OAuth2 code exchange failed: %s", exc)
        raise BadRequestError("Failed to fetch OAuth2 token.") from None
    try:
        user = await provider.fetch_user(token)
    except (ProviderError, ValueError, OSError) as exc:
        log.info("OAuth2 user fetch failed: %s", exc)
        raise BadRequestError("Failed to fetch OAuth2 user.") from None
    if provider.name == "apple" and not user.name:
        user = replace(user, name=await apple_name.take(app.ephemeral, body["code"]))
    create_data = body.get("createData") if isinstance(body.get("createData"), dict) else None
    hooks, provider_name = app.auth_hooks, provider.name

    async def before_link(record: Record | None, data: dict[str, Any]) -> None:
        if hooks is not None:  # on_record_auth_with_oauth2_request (docs/hooks.md)
            await hooks.oauth2_request(collection, provider_name, _user_dict(user), record, data)

    result = await sign_in(
        app, collection, provider.name, user, access, create_data, before_link if hooks else None
    )
    meta = {
        "accessToken": str(token.get("access_token") or ""),
        "avatarURL": user.avatar_url,
        "avatarUrl": user.avatar_url,
        "email": user.email,
        "expiry": _expiry(token),
        "id": user.id,
        "isNew": result.is_new,
        "name": user.name,
        "rawUser": user.raw,
        "refreshToken": str(token.get("refresh_token") or ""),
        "username": user.username,
    }
    # As PocketBase: the link is kept even when the authRule (403) or MFA then stops this sign-in.
    return await auth_response(app, result.record, access, {"meta": meta}, method="oauth2")


def _user_dict(user: ExternalUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "username": user.username,
        "email": user.email,
        "avatarURL": user.avatar_url,
        "rawUser": user.raw,
    }


def _expiry(token: dict[str, Any]) -> str:
    """The access token's expiry in PocketBase's date format ("" when the provider gave none)."""
    try:
        seconds = int(token.get("expires_in") or 0)
    except (TypeError, ValueError):
        seconds = 0
    if seconds <= 0:
        return ""
    at = datetime.now(UTC) + timedelta(seconds=seconds)
    return at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


# ---- the SDK's popup flow: the provider redirects here, the code goes out over realtime -------

# Where the popup lands afterwards: the dashboard's pages that say how it went (relative, as
# PocketBase's, so they resolve under whatever prefix a proxy serves the API).
FAILURE_PAGE = "../_/#/auth/oauth2-redirect-failure"
SUCCESS_PAGE = "../_/#/auth/oauth2-redirect-success"


def _land(request: Request, page: str) -> Response:
    """PocketBase's redirect: 307 after a GET, 303 (turn it into a GET) after a form POST."""
    return RedirectResponse(page, status_code=307 if request.method == "GET" else 303)


async def oauth2_redirect(request: Request) -> Response:
    """`/api/oauth2-redirect`: the SDK's `authWithOAuth2({provider})` opens the provider with its
    realtime client id as the state and waits on `@oauth2`; this hands it {state, code, error},
    on whichever worker or node holds its stream (bastion/realtime/oauth2_relay.py).
    The popup then lands on the dashboard's success or failure page, as PocketBase's does."""
    app = get_app(request)
    if request.method == "POST":
        try:
            body = await read_body(request)
        except BadRequestError:
            return _land(request, FAILURE_PAGE)
    else:
        body = dict(request.query_params)
    state, code, error, apple_user = (str(body.get(k) or "") for k in ("state", "code", "error", "user"))
    ip = request.client.host if request.client else ""
    answer = RedirectAnswer(state=state, code=code, error=error, ip=ip, apple_user=apple_user)
    if not await app.oauth2_relay.deliver(answer) or error or not code:
        return _land(request, FAILURE_PAGE)
    return _land(request, SUCCESS_PAGE)
