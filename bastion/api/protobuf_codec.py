"""Records between their JSON form and their collection's protobuf messages (api/protobuf_schema.py).

`encode_record` / `encode_list` fill a message from the JSON value a record route answers (keys
the message has no field for, a superuser's hidden fields say, are left out); `decode_body` reads
a create/update body into the dict the JSON body reader would give, only the fields the message
sets (scalars have explicit presence; an empty repeated field cannot be told from an absent one,
so it is not sent: clear a list with JSON). Values are checked against their field's kind: a value
a field cannot hold is CannotEncode (the answer then falls back to JSON or 406).
"""

from __future__ import annotations

from typing import Any

import msgspec
from google.protobuf.message import DecodeError

from bastion.api.protobuf_schema import (
    KIND_BOOL,
    KIND_DOUBLE,
    KIND_GEO,
    KIND_JSON,
    KIND_LIST,
    KIND_STRING,
    CollectionProto,
)
from bastion.errors import BadRequestError
from bastion.http.media_negotiation import CannotEncode
from bastion.store.json_depth import MAX_JSON_DEPTH, nests_deeper_than

INVALID_PROTOBUF = "The body is not a valid protobuf message of this collection."
_json = msgspec.json.Encoder()


def _fill(message: Any, proto: CollectionProto, item: dict[str, Any]) -> None:
    for key in ("collectionId", "collectionName"):
        value = item.get(key)
        if isinstance(value, str):
            setattr(message, key, value)
    expand = item.get("expand")
    if isinstance(expand, dict) and expand:
        message.expand.update(expand)
    for field in proto.fields:
        if field.name not in item:
            continue  # trimmed by `fields=`, or hidden
        value = item[field.name]
        kind = field.kind
        if kind == KIND_STRING:
            if not isinstance(value, str):
                raise CannotEncode()
            setattr(message, field.proto_name, value)
        elif kind == KIND_DOUBLE:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise CannotEncode()
            setattr(message, field.proto_name, float(value))
        elif kind == KIND_BOOL:
            if not isinstance(value, bool):
                raise CannotEncode()
            setattr(message, field.proto_name, value)
        elif kind == KIND_JSON:
            setattr(message, field.proto_name, _json.encode(value).decode())
        elif kind == KIND_LIST:
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise CannotEncode()
            getattr(message, field.proto_name).extend(values)
        elif kind == KIND_GEO:
            if not isinstance(value, dict):
                raise CannotEncode()
            point = getattr(message, field.proto_name)
            point.lon = float(value.get("lon") or 0)
            point.lat = float(value.get("lat") or 0)


def encode_record(proto: CollectionProto, item: Any) -> bytes:
    if not isinstance(item, dict):
        raise CannotEncode()
    message = proto.record_class()
    try:
        _fill(message, proto, item)
    except (TypeError, ValueError, OverflowError):  # Struct refuses what JSON numbers allow (big ints)
        raise CannotEncode() from None
    data: bytes = message.SerializeToString()
    return data


def encode_list(proto: CollectionProto, page: Any) -> bytes:
    if not isinstance(page, dict) or not isinstance(page.get("items", []), list):
        raise CannotEncode()
    message = proto.list_class()
    for key in ("page", "perPage", "totalItems", "totalPages"):
        value = page.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            setattr(message, key, value)
    try:
        for item in page.get("items", []):
            if not isinstance(item, dict):
                raise CannotEncode()
            _fill(message.items.add(), proto, item)
    except (TypeError, ValueError, OverflowError):
        raise CannotEncode() from None
    data: bytes = message.SerializeToString()
    return data


def decode_body(proto: CollectionProto, raw: bytes) -> dict[str, Any]:
    """A record body as the JSON reader would give it; BadRequestError when it is not one."""
    message = proto.record_class()
    try:
        message.ParseFromString(raw)  # the body limit bounds its size; upb bounds nesting (100)
    except DecodeError:
        raise BadRequestError(INVALID_PROTOBUF) from None
    body: dict[str, Any] = {}
    for field in proto.fields:
        name = field.proto_name
        if field.kind == KIND_LIST:
            values = list(getattr(message, name))
            if values:
                body[field.name] = values
            continue
        if not message.HasField(name):
            continue
        value = getattr(message, name)
        if field.kind == KIND_JSON:
            try:
                decoded = msgspec.json.decode(value)
            except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
                raise BadRequestError(INVALID_PROTOBUF) from None
            if nests_deeper_than(value, decoded, MAX_JSON_DEPTH):
                raise BadRequestError(INVALID_PROTOBUF)
            body[field.name] = decoded
        elif field.kind == KIND_GEO:
            body[field.name] = {"lon": value.lon, "lat": value.lat}
        else:
            body[field.name] = value
    return body
