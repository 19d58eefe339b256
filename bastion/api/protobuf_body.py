"""Record bodies sent as protobuf (Content-Type application/x-protobuf), for api/context.py's
body reader; and the one way to a collection's message types (imported on first use: see
api/protobuf_answer.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from bastion.core.collection_model import Collection
from bastion.core.schema_registry import SchemaRegistry

if TYPE_CHECKING:
    from bastion.api.protobuf_schema import CollectionProto

# the routes whose body is a record of the collection in the path (create, update)
RECORD_ROUTES = frozenset(
    {"/api/collections/{collection}/records", "/api/collections/{collection}/records/{id}"}
)


def proto_for(registry: SchemaRegistry, collection: Collection) -> CollectionProto:
    from bastion.api.protobuf_schema import collection_proto  # google.protobuf: on first use

    return collection_proto(registry, collection)


def decode_record_body(request: Request, raw: bytes) -> dict[str, Any] | None:
    """The body as the dict a JSON body would give, or None when this route takes no protobuf
    body (not a record write, or a collection that does not exist: the handler answers that)."""
    from bastion.api.protobuf_codec import decode_body  # google.protobuf: on first use

    route = (request.scope.get("state") or {}).get("route")
    name = request.path_params.get("collection")
    if route not in RECORD_ROUTES or not isinstance(name, str):
        return None
    registry: SchemaRegistry = request.app.state.bastion.registry
    collection = registry.find_collection(name)
    if collection is None:
        return None
    return decode_body(proto_for(registry, collection), raw)
