"""A FileDescriptorProto written as `.proto` source (the subset api/protobuf_schema.py builds:
proto3 messages, nested messages, optional/repeated scalar and message fields, json_name, and the
gRPC service of api/grpc_messages.py).

The python protobuf package reads descriptors but has no printer, hence this one; tests compile
its output with protoc and decode answers with the classes protoc generates.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2

FDP = descriptor_pb2.FieldDescriptorProto
_TYPE_NAMES = {
    FDP.TYPE_STRING: "string",
    FDP.TYPE_DOUBLE: "double",
    FDP.TYPE_BOOL: "bool",
    FDP.TYPE_INT64: "int64",
}


def default_json_name(name: str) -> str:
    """protoc's own json_name: underscores dropped, the letter after each one upper-cased."""
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _type_of(field: descriptor_pb2.FieldDescriptorProto, package: str) -> str:
    if field.type == FDP.TYPE_MESSAGE:
        name = field.type_name.lstrip(".")
        return name[len(package) + 1 :] if package and name.startswith(package + ".") else name
    return _TYPE_NAMES[field.type]


def _message(message: descriptor_pb2.DescriptorProto, package: str, indent: str) -> list[str]:
    lines = [f"{indent}message {message.name} {{"]
    for nested in message.nested_type:
        lines += _message(nested, package, indent + "  ")
    for field in message.field:
        if field.label == FDP.LABEL_REPEATED:
            label = "repeated "
        elif field.proto3_optional:
            label = "optional "
        else:
            label = ""
        named = field.json_name != default_json_name(field.name)
        option = f' [json_name = "{field.json_name}"]' if named else ""
        lines.append(f"{indent}  {label}{_type_of(field, package)} {field.name} = {field.number}{option};")
    lines.append(f"{indent}}}")
    return lines


def _service(service: descriptor_pb2.ServiceDescriptorProto, package: str) -> list[str]:
    lines = [f"service {service.name} {{"]
    for method in service.method:
        request = method.input_type.lstrip(".").removeprefix(package + ".")
        answer = method.output_type.lstrip(".").removeprefix(package + ".")
        stream = "stream " if method.server_streaming else ""
        lines.append(f"  rpc {method.name}({request}) returns ({stream}{answer});")
    lines.append("}")
    return lines


def proto_text(file: descriptor_pb2.FileDescriptorProto, header: str = "") -> str:
    lines = [f"// {line}" if line else "//" for line in header.splitlines()]
    lines += [f'syntax = "{file.syntax or "proto3"}";', "", f"package {file.package};", ""]
    lines += [f'import "{dependency}";' for dependency in file.dependency]
    for message in file.message_type:
        lines.append("")
        lines += _message(message, file.package, "")
    for service in file.service:
        lines.append("")
        lines += _service(service, file.package)
    return "\n".join(lines) + "\n"
