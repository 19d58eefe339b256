"""MessagePack in the OpenAPI document: the negotiated routes' operations list it next to JSON.

A route the table marks `negotiated` (bastion/http/media_negotiation.py) answers MessagePack when
Accept ranks it above JSON, and 406 when Accept admits neither; every route that reads a body
reads a MessagePack one (api/context.py `read_body`). `negotiated` rewrites such a route's
operation: each `application/json` content, of its answers and of its body, gets an
`application/vnd.msgpack` twin pointing at the same schema (a `$ref`, or a small inline one: the
large answers, a page of records and a sign-in, are component schemas, so nothing big is written
twice), its `default` error answer becomes `NegotiatedError` (the error shape in either form) and
it lists the 406.
"""

from __future__ import annotations

from typing import Any

from bastion.api.openapi_records import ERROR, Operation
from bastion.http.media_negotiation import MSGPACK

JSON = "application/json"
NEGOTIATED_ERROR = {"$ref": "#/components/responses/NegotiatedError"}
NOT_ACCEPTABLE = {"$ref": "#/components/responses/NotAcceptable"}
_ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}

RESPONSES: dict[str, Any] = {
    "Error": {
        "description": "An error, in PocketBase's shape.",
        "content": {JSON: {"schema": _ERROR_SCHEMA}},
    },
    "NegotiatedError": {
        "description": "An error, in PocketBase's shape: MessagePack when Accept ranks it above JSON.",
        "content": {JSON: {"schema": _ERROR_SCHEMA}, MSGPACK: {"schema": _ERROR_SCHEMA}},
    },
    "NotAcceptable": {
        "description": "Accept admits neither JSON nor MessagePack (answered in JSON, before the handler runs).",
        "content": {JSON: {"schema": _ERROR_SCHEMA}},
    },
}
"""The document's shared answers (`components.responses`)."""


def _with_msgpack(content: dict[str, Any]) -> dict[str, Any]:
    if JSON not in content or MSGPACK in content:
        return content
    twin: dict[str, Any] = {}
    for media, entry in content.items():
        twin[media] = entry
        if media == JSON:
            twin[MSGPACK] = {"schema": entry["schema"]}  # the same object: one schema, two encodings
    return twin


def negotiated(op: Operation) -> Operation:
    """`op` (left unchanged) as a negotiated route's operation: JSON or MessagePack, 406."""
    responses: dict[str, Any] = {}
    for status, answer in op.get("responses", {}).items():
        if answer == ERROR:
            responses[status] = NEGOTIATED_ERROR
        elif "content" in answer:
            responses[status] = {**answer, "content": _with_msgpack(answer["content"])}
        else:
            responses[status] = answer
    responses.setdefault("406", NOT_ACCEPTABLE)
    out = {**op, "responses": responses}
    if "requestBody" in op:
        body = op["requestBody"]
        out["requestBody"] = {**body, "content": _with_msgpack(body["content"])}
    return out
