"""Per-request helpers shared by the handlers: who is calling, what they sent, how to answer."""

from __future__ import annotations

from time import perf_counter
from typing import Any, overload

import msgspec
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from bastion.app import App
from bastion.auth.auth_record import auth_record_for_token, bearer_value
from bastion.core.record_access import Access, normalize_headers
from bastion.core.response_fields import pick_fields
from bastion.core.superuser_ips import NOT_ALLOWED, superuser_ip_allowed
from bastion.errors import BadRequestError, ForbiddenError, UnauthorizedError, UnsupportedMediaError
from bastion.files.file_upload import Upload
from bastion.obs import segment_timing, tracing
from bastion.store.json_depth import MAX_JSON_DEPTH, nests_deeper_than

_json_encoder = msgspec.json.Encoder()
_json_decoder = msgspec.json.Decoder()

# PocketBase answers an unreadable body with its generic 400 message.
INVALID_BODY = "Something went wrong while processing your request."


def decode_json(raw: bytes | str) -> Any:
    """A JSON document from the client, or BadRequestError when it is not JSON or nests deeper
    than MAX_JSON_DEPTH (store/json_depth.py)."""
    try:
        data = _json_decoder.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        raise BadRequestError(INVALID_BODY) from None
    if nests_deeper_than(raw, data, MAX_JSON_DEPTH):
        raise BadRequestError(INVALID_BODY)
    return data


def get_app(request: Request) -> App:
    app: App = request.app.state.bastion  # put there by api/asgi.py (Starlette's State is untyped)
    return app


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _json_encoder.encode(content)


def bearer_token(request: Request) -> str:
    return bearer_value(request.headers.get("authorization", ""))


load_auth = auth_record_for_token  # the handlers' name for it


async def load_access(request: Request, body: dict[str, Any] | None = None) -> Access:
    cached = request.scope.get("state", {}).get("bastion_auth", False)
    app = get_app(request)
    if cached is False:
        started = perf_counter()
        with tracing.span("auth"):  # the token's verification and its record's load
            auth = await load_auth(app, bearer_token(request))
        segment_timing.add("auth", perf_counter() - started)
    else:
        auth = cached
    request.scope.setdefault("state", {})["bastion_auth"] = auth
    access = Access(
        auth=auth,
        method=request.method,
        query=dict(request.query_params),
        headers=normalize_headers(dict(request.headers)),
        body=body or {},
        client_ip=client_address(request),
    )
    if access.is_superuser and not superuser_ip_allowed(app.settings, access.client_ip):
        raise ForbiddenError(NOT_ALLOWED)
    return access


def client_address(request: Request) -> str:
    """The caller's address: the one the trusted proxy reported (bastion/http/proxy.py), else the peer's."""
    state = request.scope.get("state") or {}
    return str(state.get("client_ip") or (request.client.host if request.client else ""))


def require_auth(access: Access) -> None:
    if access.auth is None:
        raise UnauthorizedError("The request requires valid record authorization token.")


async def read_body(request: Request) -> dict[str, Any]:
    """JSON, urlencoded or multipart (`@jsonPayload` merged in), as PocketBase accepts them."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method in ("GET", "HEAD", "DELETE") and not ctype:
        return {}
    if ctype in ("application/json", "") or ctype.endswith("+json"):
        raw = await request.body()
        if not raw.strip():
            return {}
        document = decode_json(raw)
        if not isinstance(document, dict):
            raise BadRequestError(INVALID_BODY)
        return document
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = await request.form()
        except Exception:  # noqa: BLE001 - python-multipart raises several unrelated types
            raise BadRequestError(INVALID_BODY) from None
        data: dict[str, Any] = {}
        uploads: dict[str, list[Upload]] = {}
        for key in dict.fromkeys(form.keys()):
            values = [v for v in form.getlist(key) if isinstance(v, str)]
            files = [Upload.from_starlette(v) for v in form.getlist(key) if isinstance(v, UploadFile)]
            if files:
                uploads[key] = files
            if key == "@jsonPayload":
                for payload in values:
                    decoded = decode_json(payload)
                    if isinstance(decoded, dict):
                        data.update(decoded)
            elif values:
                data[key] = values if len(values) > 1 else values[0]
        for key, files in uploads.items():
            # As PocketBase: files join the names sent for a plain key (so listing the files to
            # keep and adding new ones is one request); under a modifier they stand alone.
            kept = data.get(key) if not key.startswith("+") and not key.endswith(("+", "-")) else None
            names = [kept] if isinstance(kept, str) and kept else (kept if isinstance(kept, list) else [])
            data[key] = [*names, *files]
        return data
    raise UnsupportedMediaError(
        f"Unsupported Content-Type {ctype!r}: send application/json or multipart/form-data."
    )


async def read_body_or(request: Request, load_error: str) -> dict[str, Any]:
    """`read_body`, answering an unreadable body with the endpoint's own 400 message."""
    try:
        return await read_body(request)
    except UnsupportedMediaError:
        raise
    except BadRequestError:
        raise BadRequestError(load_error) from None


@overload
def picked(data: dict[str, Any], query: Any) -> dict[str, Any]: ...
@overload
def picked(data: list[Any], query: Any) -> list[Any]: ...
def picked(data: dict[str, Any] | list[Any], query: Any) -> dict[str, Any] | list[Any]:
    """Apply the `fields` query parameter (PocketBase's response field picker), if given.
    The picker keeps the body's shape: a JSON object stays one."""
    fields = query.get("fields") or ""
    if not fields:
        return data
    shaped: dict[str, Any] | list[Any] = pick_fields(data, fields)
    return shaped
