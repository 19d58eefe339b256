"""The gRPC service's messages and its descriptor: `bastion/v1/records.proto`, built at run time.

Records travel as google.protobuf.Struct (the record's JSON object), so a collection created while
the server runs needs nothing new on either side; a client wanting typed records reads the
collection's `.proto` (GET /api/collections/{collection}/proto, api/protobuf_schema.py) and fills
its `<Name>Record` from the Struct. The descriptor lives in a pool of its own, which server
reflection answers from (api/grpc_server.py); `SERVICE_PROTO` is the same file as source text
(docs/protocols.md shows it).

Field names are snake_case as protobuf style asks; their JSON names (per_page …) are protoc's.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, struct_pb2

from bastion.api.protobuf_text import proto_text

PACKAGE = "bastion.v1"
SERVICE = f"{PACKAGE}.Records"
FILE_NAME = "bastion/v1/records.proto"

FDP = descriptor_pb2.FieldDescriptorProto
_STRING, _INT64, _BOOL, _MESSAGE = FDP.TYPE_STRING, FDP.TYPE_INT64, FDP.TYPE_BOOL, FDP.TYPE_MESSAGE
_STRUCT = ".google.protobuf.Struct"

# name -> [(field, type, struct or repeated struct)]: what each request and answer holds
_MESSAGES: dict[str, list[tuple[str, int, str]]] = {
    "GetRequest": [
        ("collection", _STRING, ""),
        ("id", _STRING, ""),
        ("expand", _STRING, ""),
        ("fields", _STRING, ""),
    ],
    "ListRequest": [
        ("collection", _STRING, ""),
        ("filter", _STRING, ""),
        ("sort", _STRING, ""),
        ("page", _INT64, ""),
        ("per_page", _INT64, ""),
        ("skip_total", _BOOL, ""),
        ("expand", _STRING, ""),
        ("fields", _STRING, ""),
    ],
    "CreateRequest": [
        ("collection", _STRING, ""),
        ("record", _MESSAGE, _STRUCT),
        ("expand", _STRING, ""),
        ("fields", _STRING, ""),
    ],
    "UpdateRequest": [
        ("collection", _STRING, ""),
        ("id", _STRING, ""),
        ("record", _MESSAGE, _STRUCT),
        ("expand", _STRING, ""),
        ("fields", _STRING, ""),
    ],
    "DeleteRequest": [("collection", _STRING, ""), ("id", _STRING, "")],
    "DeleteReply": [],
    "SubscribeRequest": [
        ("collection", _STRING, ""),
        ("filter", _STRING, ""),
        ("id", _STRING, ""),
        ("expand", _STRING, ""),
        ("fields", _STRING, ""),
    ],
    "RecordReply": [("record", _MESSAGE, _STRUCT)],
    "ListReply": [
        ("page", _INT64, ""),
        ("per_page", _INT64, ""),
        ("total_items", _INT64, ""),
        ("total_pages", _INT64, ""),
        ("items", _MESSAGE, "repeated " + _STRUCT),
    ],
    "RecordEvent": [("action", _STRING, ""), ("record", _MESSAGE, _STRUCT)],
}
# (method, request, answer, server streaming)
METHODS: tuple[tuple[str, str, str, bool], ...] = (
    ("Get", "GetRequest", "RecordReply", False),
    ("List", "ListRequest", "ListReply", False),
    ("Create", "CreateRequest", "RecordReply", False),
    ("Update", "UpdateRequest", "RecordReply", False),
    ("Delete", "DeleteRequest", "DeleteReply", False),
    ("Subscribe", "SubscribeRequest", "RecordEvent", True),
)


def build_file() -> descriptor_pb2.FileDescriptorProto:
    file = descriptor_pb2.FileDescriptorProto(
        name=FILE_NAME, package=PACKAGE, syntax="proto3", dependency=["google/protobuf/struct.proto"]
    )
    for name, fields in _MESSAGES.items():
        message = file.message_type.add(name=name)
        for number, (field_name, ftype, type_name) in enumerate(fields, start=1):
            repeated = type_name.startswith("repeated ")
            entry = message.field.add(name=field_name, number=number, type=ftype)
            entry.label = FDP.LABEL_REPEATED if repeated else FDP.LABEL_OPTIONAL
            if type_name:
                entry.type_name = type_name.removeprefix("repeated ")
            parts = field_name.split("_")
            entry.json_name = parts[0] + "".join(p.capitalize() for p in parts[1:])
    service = file.service.add(name="Records")
    for method, request, answer, streaming in METHODS:
        service.method.add(
            name=method,
            input_type=f".{PACKAGE}.{request}",
            output_type=f".{PACKAGE}.{answer}",
            server_streaming=streaming,
        )
    return file


def _pool() -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    struct_file = descriptor_pb2.FileDescriptorProto()
    struct_pb2.DESCRIPTOR.CopyToProto(struct_file)
    pool.Add(struct_file)
    pool.Add(build_file())
    return pool


POOL = _pool()
CLASSES: dict[str, Any] = {
    name: message_factory.GetMessageClass(POOL.FindMessageTypeByName(f"{PACKAGE}.{name}"))
    for name in _MESSAGES
}
"""Each message's class (made at run time: typed Any)."""


def service_proto() -> str:
    """The service's `.proto` source (the descriptor above, written out)."""
    return proto_text(build_file())
