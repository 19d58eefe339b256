"""Per-request helpers shared by the handlers: who is calling, what they sent, how to answer."""

from __future__ import annotations

from time import perf_counter
from typing import Any, overload

import msgspec
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from bastion.api.protobuf_body import decode_record_body
from bastion.app import App
from bastion.auth.auth_record import auth_record_for_token, bearer_value
from bastion.core.record_access import Access
from bastion.core.response_fields import pick_fields
from bastion.core.superuser_ips import NOT_ALLOWED, superuser_ip_allowed
from bastion.errors import BadRequestError, ForbiddenError, UnauthorizedError, UnsupportedMediaError
from bastion.files.file_upload import Upload
from bastion.http.media_negotiation import MSGPACK, MSGPACK_TYPES, PROTOBUF_TYPES
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
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise BadRequestError(INVALID_BODY) from None
    if nests_deeper_than(raw, data, MAX_JSON_DEPTH):
        raise BadRequestError(INVALID_BODY)
    return data


_msgpack_decoder = msgspec.msgpack.Decoder()
_JSON_SCALARS = (str, int, bool, type(None))
INVALID_MSGPACK = "The body is not valid MessagePack."
MSGPACK_NOT_JSON = (
    "The MessagePack body holds a value JSON cannot (a non-string map key, binary, an extension "
    "type, NaN or infinity)."
)


def decode_msgpack(raw: bytes) -> Any:
    """A MessagePack document from the client, read as its JSON twin would be: the values JSON
    has (maps with string keys, arrays, strings, numbers, booleans, nil) and no others, nested at
    most MAX_JSON_DEPTH levels; else BadRequestError saying which."""
    try:
        data = _msgpack_decoder.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise BadRequestError(INVALID_MSGPACK) from None
    # A level costs one byte in MessagePack (two in JSON), so nests_deeper_than's shortcut on the
    # length does not hold: walk every container, checking depth and value types together.
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = []
            for key, value in node.items():
                if not isinstance(key, str):
                    raise BadRequestError(MSGPACK_NOT_JSON)
                children.append(value)
        elif isinstance(node, list):
            children = node
        elif isinstance(node, float):
            if node != node or node in (float("inf"), float("-inf")):
                raise BadRequestError(MSGPACK_NOT_JSON)
            continue
        elif isinstance(node, _JSON_SCALARS):
            continue
        else:  # bytes, datetime (the timestamp extension), msgspec.msgpack.Ext
            raise BadRequestError(MSGPACK_NOT_JSON)
        if depth >= MAX_JSON_DEPTH:
            raise BadRequestError(f"The MessagePack body nests deeper than {MAX_JSON_DEPTH} levels.")
        stack.extend((child, depth + 1) for child in children)
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
    scope = request.scope
    cached = scope.get("state", {}).get("bastion_auth", False)
    app = get_app(request)
    if cached is not False:
        auth = cached
    elif token := bearer_token(request):
        started = perf_counter()
        with tracing.span("auth"):  # the token's verification and its record's load
            auth = await load_auth(app, token)
        segment_timing.add("auth", perf_counter() - started)
    else:
        auth = None  # a guest: nothing to verify or load
    scope.setdefault("state", {})["bastion_auth"] = auth
    access = Access(
        auth=auth,
        method=request.method,
        query=dict(request.query_params) if scope.get("query_string") else {},
        headers=rule_headers(scope["headers"]),
        body=body or {},
        client_ip=client_address(request),
    )
    if access.is_superuser and not superuser_ip_allowed(app.settings, access.client_ip):
        raise ForbiddenError(NOT_ALLOWED)
    return access


def rule_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """`@request.headers.*` as rules name them (`X-Token` -> `x_token`), straight from the ASGI
    headers; a repeated header gives its first value, as Starlette's `Headers` does."""
    return {
        name.decode("latin-1").lower().replace("-", "_"): value.decode("latin-1")
        for name, value in reversed(raw)
    }


def client_address(request: Request) -> str:
    """The caller's address: the one the trusted proxy reported (bastion/http/proxy.py), else the peer's."""
    state = request.scope.get("state") or {}
    return str(state.get("client_ip") or (request.client.host if request.client else ""))


def require_auth(access: Access) -> None:
    if access.auth is None:
        raise UnauthorizedError("The request requires valid record authorization token.")


async def read_body(request: Request) -> dict[str, Any]:
    """JSON, urlencoded or multipart (`@jsonPayload` merged in), as PocketBase accepts them, and
    MessagePack (an addition: the same values as JSON, see `decode_msgpack`), and on the record
    writes the collection's protobuf message (docs/protocols.md)."""
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
    if ctype in MSGPACK_TYPES:
        raw = await request.body()
        if not raw:
            return {}
        document = decode_msgpack(raw)
        if not isinstance(document, dict):
            raise BadRequestError(INVALID_MSGPACK)
        return document
    if ctype in PROTOBUF_TYPES:
        # a record create or update only: the collection's <Name>Record (api/protobuf_body.py)
        document = decode_record_body(request, await request.body())
        if document is not None:
            return document
    elif ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
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
        f"Unsupported Content-Type {ctype!r}: send application/json, multipart/form-data or {MSGPACK}."
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
