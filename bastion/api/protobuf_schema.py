"""A collection's Protocol Buffers message types, built at run time from its fields (no codegen).

Each collection gets one file, `bastion/records/<name>.proto` in package `bastion.records`, with
`<Name>Record` (one record, as the record routes answer it) and `<Name>List` (a page of them).
The descriptors are built with descriptor_pb2 and turned into message classes by
message_factory in a pool of the collection's own (so two collections whose names map to the same
message name never clash on the server); `proto_text` writes the same descriptor as `.proto`
source for clients. Built once per schema: the registry's memo drops them when any collection
changes (core/schema_registry.py), so a changed collection is rebuilt on its next use.

Field numbers are derived, not stored: 1-3 are the keys every record has (`collectionId`,
`collectionName`, `expand`), and a field's number is `16 + crc32(field id) mod (2^18 - 16)`
(skipping protobuf's reserved 19000-19999), so it depends only on the field's id, which
PocketBase keeps for the life of the field (through renames). Two ids landing on one number (about
n²/2^19 for n fields: 0.2% for 30 fields) are settled in id order, the later taking the next free
number. Numbers below 2^18 keep every tag at three bytes. What a client must do when a field is
removed: nothing to keep decoding (its number no longer appears; proto3 readers skip unknown
numbers); a new field gets a new id and so, barring that rare clash, a new number; a field
re-created with the same name and type gets PocketBase's same derived id, and the same number.

Types follow the JSON the routes answer: text-like fields, dates and single selects/relations/files
are `string`; number is `double`; bool `bool`; json a `string` holding the JSON text (exact:
google.protobuf.Value would turn every number into a double); multi-value select/relation/file
`repeated string` (wire-compatible with `string`, so a field's maxSelect may change); geoPoint the
nested `GeoPoint {lon, lat}`. Scalars are proto3 `optional` (explicit presence), so a body can say
which fields it sets and an answer trimmed by `fields=` leaves the others unset. Every field keeps
its PocketBase name as `json_name`. Hidden fields (and an auth collection's password and tokenKey)
are left out: the types describe what non-superusers are answered.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, struct_pb2

from bastion.core.collection_model import Collection
from bastion.core.fields import Field
from bastion.core.fields.field_multi import MultiValueMixin
from bastion.core.schema_registry import SchemaRegistry

PACKAGE = "bastion.records"
FIRST_FIELD_NUMBER = 16
FIELD_NUMBER_LIMIT = 1 << 18  # exclusive: tags stay three bytes
_RESERVED = range(19000, 20000)  # protobuf's own
SYSTEM_NUMBERS = {"collectionId": 1, "collectionName": 2, "expand": 3}
_NEVER_IN_AUTH = frozenset({"password", "tokenKey"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

FDP = descriptor_pb2.FieldDescriptorProto
STRING, DOUBLE, BOOL, MESSAGE = FDP.TYPE_STRING, FDP.TYPE_DOUBLE, FDP.TYPE_BOOL, FDP.TYPE_MESSAGE
_SCALAR = {"number": DOUBLE, "bool": BOOL}
# what each field holds in the message: how the encoder and decoder treat its value
KIND_STRING, KIND_DOUBLE, KIND_BOOL, KIND_JSON, KIND_LIST, KIND_GEO = range(6)


@dataclass(frozen=True, slots=True)
class ProtoField:
    name: str  # the PocketBase name (the JSON key, the proto json_name)
    proto_name: str  # its name in the message (the PocketBase name unless that is no identifier)
    number: int
    kind: int


@dataclass(frozen=True, slots=True)
class CollectionProto:
    """One collection's message types and their source text."""

    file: descriptor_pb2.FileDescriptorProto
    record_class: Any  # a google.protobuf Message subclass (made at run time: no static type)
    list_class: Any
    fields: tuple[ProtoField, ...]
    record_type: str  # full names, for the Content-Type's messageType
    list_type: str


def message_prefix(name: str) -> str:
    """`user_profiles` -> `UserProfiles`: PocketBase names are word characters only."""
    parts = [p[:1].upper() + p[1:] for p in name.split("_") if p]
    prefix = "".join(parts) or "Collection"
    return prefix if prefix[0].isalpha() else "C" + prefix


def field_numbers(field_ids: list[str]) -> dict[str, int]:
    """Each field id's number (module docstring): crc32-derived, clashes settled in id order."""
    span = FIELD_NUMBER_LIMIT - FIRST_FIELD_NUMBER
    taken: set[int] = set()
    out: dict[str, int] = {}
    for field_id in sorted(set(field_ids)):
        number = FIRST_FIELD_NUMBER + zlib.crc32(field_id.encode()) % span
        while number in taken or number in _RESERVED:
            number = number + 1 if number + 1 < FIELD_NUMBER_LIMIT else FIRST_FIELD_NUMBER
        taken.add(number)
        out[field_id] = number
    return out


def _kind(f: Field) -> int:
    if f.type == "json":
        return KIND_JSON
    if f.type == "geoPoint":
        return KIND_GEO
    if isinstance(f, MultiValueMixin) and f.is_multiple:
        return KIND_LIST
    return {"number": KIND_DOUBLE, "bool": KIND_BOOL}.get(f.type, KIND_STRING)


def exported_fields(collection: Collection) -> list[Field]:
    return [
        f for f in collection.fields if not f.hidden and not (collection.is_auth and f.name in _NEVER_IN_AUTH)
    ]


def _add_field(
    message: descriptor_pb2.DescriptorProto,
    name: str,
    number: int,
    ftype: int,
    *,
    json_name: str = "",
    repeated: bool = False,
    type_name: str = "",
) -> None:
    entry = message.field.add(name=name, number=number, type=ftype, json_name=json_name or name)
    entry.label = FDP.LABEL_REPEATED if repeated else FDP.LABEL_OPTIONAL
    if type_name:
        entry.type_name = type_name
    if not repeated and ftype != MESSAGE:
        # proto3 `optional`: explicit presence through a synthetic oneof of its own
        entry.proto3_optional = True
        entry.oneof_index = len(message.oneof_decl)
        message.oneof_decl.add(name="_" + name)


def build_file(collection: Collection) -> tuple[descriptor_pb2.FileDescriptorProto, tuple[ProtoField, ...]]:
    prefix = message_prefix(collection.name)
    record_name, list_name = prefix + "Record", prefix + "List"
    file = descriptor_pb2.FileDescriptorProto(
        name=f"bastion/records/{collection.name}.proto",
        package=PACKAGE,
        syntax="proto3",
        dependency=["google/protobuf/struct.proto"],
    )
    fields = exported_fields(collection)
    # the nested type shares the record's scope with its fields: a field may not take its name
    geo_name = "GeoPoint" if all(f.name != "GeoPoint" for f in fields) else "GeoPointValue"
    record = file.message_type.add(name=record_name)
    geo = record.nested_type.add(name=geo_name)
    _add_field(geo, "lon", 1, DOUBLE)
    _add_field(geo, "lat", 2, DOUBLE)
    _add_field(record, "collectionId", 1, STRING)
    _add_field(record, "collectionName", 2, STRING)
    _add_field(record, "expand", 3, MESSAGE, type_name=".google.protobuf.Struct")
    numbers = field_numbers([f.id or f.name for f in fields])
    out: list[ProtoField] = []
    taken_names = set(SYSTEM_NUMBERS)
    for f in sorted(fields, key=lambda f: numbers[f.id or f.name]):
        if f.name in taken_names:
            continue  # PocketBase refuses such names; never two fields of one name
        taken_names.add(f.name)
        kind = _kind(f)
        proto_name = f.name if _IDENTIFIER.match(f.name) else "f_" + f.name
        number = numbers[f.id or f.name]
        if kind == KIND_GEO:
            geo_type = f".{PACKAGE}.{record_name}.{geo_name}"
            _add_field(record, proto_name, number, MESSAGE, json_name=f.name, type_name=geo_type)
        elif kind == KIND_LIST:
            _add_field(record, proto_name, number, STRING, json_name=f.name, repeated=True)
        else:
            _add_field(record, proto_name, number, _SCALAR.get(f.type, STRING), json_name=f.name)
        out.append(ProtoField(f.name, proto_name, number, kind))
    page = file.message_type.add(name=list_name)
    for number, name in enumerate(("page", "perPage", "totalItems", "totalPages"), start=1):
        page.field.add(
            name=name, number=number, type=FDP.TYPE_INT64, json_name=name, label=FDP.LABEL_OPTIONAL
        )
    page.field.add(
        name="items",
        number=5,
        type=MESSAGE,
        type_name=f".{PACKAGE}.{record_name}",
        json_name="items",
        label=FDP.LABEL_REPEATED,
    )
    return file, tuple(out)


def build(collection: Collection) -> CollectionProto:
    file, fields = build_file(collection)
    pool = descriptor_pool.DescriptorPool()
    struct_file = descriptor_pb2.FileDescriptorProto()
    struct_pb2.DESCRIPTOR.CopyToProto(struct_file)
    pool.Add(struct_file)
    pool.Add(file)
    record_type = f"{PACKAGE}.{file.message_type[0].name}"
    list_type = f"{PACKAGE}.{file.message_type[1].name}"
    return CollectionProto(
        file=file,
        record_class=message_factory.GetMessageClass(pool.FindMessageTypeByName(record_type)),
        list_class=message_factory.GetMessageClass(pool.FindMessageTypeByName(list_type)),
        fields=fields,
        record_type=record_type,
        list_type=list_type,
    )


def collection_proto(registry: SchemaRegistry, collection: Collection) -> CollectionProto:
    """The collection's types, built once per schema (the registry's memo)."""
    key = ("protobuf", collection.id)
    found = registry.memo.get(key)
    if isinstance(found, CollectionProto):
        return found
    built = build(collection)
    registry.remember(key, built, derived_from=collection)
    return built
