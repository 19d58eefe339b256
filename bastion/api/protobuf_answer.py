"""Protocol Buffers on the record routes: the answers' encoder, the bodies' decoder, and
GET /api/collections/{collection}/proto.

The record routes are `negotiated` and `protobuf` in the route table: http/media_negotiation.py
picks protobuf by Accept and calls `encode_answer` with the JSON answer decoded; the message types
come from api/protobuf_schema.py. google.protobuf is imported on the first protobuf request or
body (about 100 ms of imports), never by a server that is not asked for it.

Who may read a collection's `.proto`: superusers, and whoever the collection's listRule or
viewRule does not refuse outright (a rule that filters still lets the caller read some records:
the schema only says what those answers hold). PocketBase's collection view is superuser-only
because it also holds the rules, indexes and options; a `.proto` holds only what a record answer
already shows to that caller (hidden fields are left out), and a client generating types needs it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import get_app, load_access
from bastion.api.protobuf_body import proto_for
from bastion.api.records import collection_or_404
from bastion.core.record_access import SUPERUSER_ONLY, access_rule
from bastion.errors import ForbiddenError
from bastion.http.asgi_headers import Scope
from bastion.http.media_negotiation import PROTOBUF, CannotEncode

_HEADER = (
    "The records of collection {name!r}, as Bastion answers them in application/x-protobuf.\n"
    "Field numbers derive from the fields' ids and stay through renames (docs/protocols.md).\n"
    "<Name>Record: one record (view, create, update); <Name>List: a page (list).\n"
)


def encode_answer(scope: Scope, value: Any) -> tuple[bytes, bytes]:
    """A record route's JSON answer as its collection's message: a page on the list route (GET
    without a record id), else one record."""
    from bastion.api.protobuf_codec import encode_list, encode_record  # see the docstring

    app = scope["app"].state.bastion
    params = scope.get("path_params") or {}
    collection = app.registry.find_collection(str(params.get("collection", "")))
    if collection is None:
        raise CannotEncode()
    proto = proto_for(app.registry, collection)
    if "id" not in params and scope["method"] in ("GET", "HEAD"):
        return encode_list(proto, value), _content_type(proto.list_type)
    return encode_record(proto, value), _content_type(proto.record_type)


def _content_type(message_type: str) -> bytes:
    return f"{PROTOBUF}; messageType={message_type}".encode("ascii")


async def proto_file(request: Request) -> Response:
    from bastion.api.protobuf_text import proto_text  # see the docstring

    app = get_app(request)
    collection = collection_or_404(app, request.path_params["collection"])
    access = await load_access(request)
    if not access.is_superuser and all(
        access_rule(collection.rule(name), access).refused for name in ("listRule", "viewRule")
    ):
        raise ForbiddenError(SUPERUSER_ONLY)
    proto = proto_for(app.registry, collection)
    text = proto_text(proto.file, _HEADER.format(name=collection.name))
    return Response(text, media_type="text/plain; charset=utf-8")
