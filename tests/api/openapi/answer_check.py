"""Checking a live answer (and a sent body) against the OpenAPI document, as a fuzzer's
response-schema and status-code checks do: the status must be listed (or fall to `default`), and
the body must match the schema listed for its status and media type."""

from __future__ import annotations

from typing import Any

import httpx
from jsonschema import Draft202012Validator


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node and len(node) == 1 and node["$ref"].startswith("#/components/responses/"):
        node = doc["components"]["responses"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def schema_errors(doc: dict[str, Any], schema: dict[str, Any], value: object) -> list[str]:
    """`value`'s errors against `schema`, whose `#/components/…` references point into `doc`."""
    root = {**schema, "components": doc["components"]}
    checker = Draft202012Validator.FORMAT_CHECKER
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft202012Validator(root, format_checker=checker).iter_errors(value)
    ]


def operation(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return doc["paths"][path][method.lower()]  # type: ignore[no-any-return]


def body_errors(
    doc: dict[str, Any], method: str, path: str, body: object, media: str = "application/json"
) -> list[str]:
    """The errors of a body the test sends, against the operation's body schema."""
    op = operation(doc, method, path)
    return schema_errors(doc, op["requestBody"]["content"][media]["schema"], body)


def answer_errors(doc: dict[str, Any], method: str, path: str, r: httpx.Response) -> list[str]:
    """What is wrong with answer `r` of the operation, by the document ([] when nothing)."""
    answers = operation(doc, method, path)["responses"]
    answer = _resolve(doc, answers.get(str(r.status_code)) or answers["default"])
    content = answer.get("content")
    if not content:
        return [] if not r.content else [f"{r.status_code}: a body where the document lists none"]
    media = r.headers.get("content-type", "").split(";")[0].strip()
    if media not in content:
        return [f"{r.status_code}: {media!r} is not among {sorted(content)}"]
    if media != "application/json":
        return []
    return schema_errors(doc, content[media]["schema"], r.json())
