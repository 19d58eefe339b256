"""GET /api/openapi.json: a valid OpenAPI 3.1 document that follows the live schema (a collection
or a field changed shows at once), describes every route of the table, and shows a non-superuser
only the collections it could read."""

from __future__ import annotations

from typing import Any

import msgspec
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from bastion.api.openapi_fields import DATE_PATTERN
from bastion.api.openapi_routes import openapi_path
from bastion.api.route_table import ROUTES
from tests.conftest import ApiClient


async def document(api: ApiClient, token: str | None = None) -> dict[str, Any]:
    r = await api.request("GET", "/api/openapi.json", token=token)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()  # type: ignore[no-any-return]


async def _items(api: ApiClient) -> dict[str, Any]:
    users = (await api.su("GET", "/api/collections/users")).json()
    return await api.create_collection(
        {
            "name": "items",
            "listRule": "",
            "viewRule": "",
            "fields": [
                {
                    "name": "title",
                    "type": "text",
                    "required": True,
                    "min": 2,
                    "max": 20,
                    "pattern": "^[a-z]+$",
                },
                {"name": "count", "type": "number", "onlyInt": True, "min": 0, "max": 9},
                {"name": "price", "type": "number"},
                {"name": "done", "type": "bool"},
                {"name": "mail", "type": "email"},
                {"name": "site", "type": "url"},
                {"name": "due", "type": "date"},
                {"name": "kind", "type": "select", "values": ["a", "b"], "maxSelect": 1},
                {"name": "kinds", "type": "select", "values": ["a", "b"], "maxSelect": 2},
                {"name": "owner", "type": "relation", "collectionId": users["id"], "maxSelect": 1},
                {"name": "owners", "type": "relation", "collectionId": users["id"], "maxSelect": 5},
                {"name": "photo", "type": "file", "maxSelect": 1},
                {"name": "photos", "type": "file", "maxSelect": 3},
                {"name": "meta", "type": "json"},
                {"name": "body", "type": "editor"},
                {"name": "where", "type": "geoPoint"},
                {"name": "secret", "type": "text", "hidden": True},
                {"name": "created", "type": "autodate", "onCreate": True},
            ],
        }
    )


async def test_the_document_is_valid_openapi_3_1_with_every_route(api: ApiClient) -> None:
    await _items(api)
    for token in (None, api.superuser_token):
        doc = await document(api, token)
        assert doc["openapi"].startswith("3.1")
        validate(doc)
        for route in ROUTES:
            assert route.method.lower() in doc["paths"][openapi_path(route.path)], route.path
        assert doc["components"]["schemas"]["Error"]["required"] == ["status", "message", "data"]
        assert doc["components"]["securitySchemes"]["bearerAuth"]["name"] == "Authorization"


async def test_the_yaml_form_is_the_same_document(api: ApiClient) -> None:
    await _items(api)
    for token in (None, api.superuser_token):
        r = await api.request("GET", "/api/openapi.yaml", token=token)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/yaml")
        assert yaml.safe_load(r.text) == await document(api, token)


async def test_a_collections_fields_are_typed(api: ApiClient) -> None:
    await _items(api)
    doc = await document(api)
    schemas = doc["components"]["schemas"]
    props = schemas["Record.items"]["properties"]
    assert props["title"] == {"type": "string", "minLength": 2, "maxLength": 20, "pattern": "^[a-z]+$"}
    assert props["count"] == {"type": "integer", "minimum": 0, "maximum": 9}
    assert props["price"] == {"type": "number"}
    assert props["done"] == {"type": "boolean"}
    # optional: unset is "", which the format does not cover
    assert props["mail"] == {"anyOf": [{"type": "string", "format": "email"}, {"const": ""}]}
    assert props["site"] == {"anyOf": [{"type": "string", "format": "uri"}, {"const": ""}]}
    # PocketBase's dates are not RFC 3339 (a space for the T): a pattern, not format date-time
    assert props["due"]["anyOf"][0]["pattern"] == DATE_PATTERN and "space" in props["due"]["description"]
    assert props["created"]["pattern"] == DATE_PATTERN
    assert props["kind"]["enum"] == ["a", "b", ""]
    assert props["kinds"]["type"] == "array" and props["kinds"]["items"]["enum"] == ["a", "b"]
    assert props["owner"] == {"type": "string", "description": "The id of a users record."}
    assert props["owners"]["type"] == "array" and props["owners"]["maxItems"] == 5
    assert props["photo"]["type"] == "string" and props["photos"]["type"] == "array"
    assert props["meta"] == {}
    assert props["body"]["type"] == "string"
    assert props["where"]["required"] == ["lon", "lat"]
    assert "secret" not in props
    assert {"id", "collectionId", "collectionName", "created"} <= set(props)
    create = schemas["Create.items"]
    assert create["required"] == ["title"] and "created" not in create["properties"]
    assert schemas["Create.items.multipart"]["properties"]["photos"]["items"]["format"] == "binary"
    records = doc["paths"]["/api/collections/items/records"]
    assert set(records["post"]["requestBody"]["content"]) == {
        "application/json",
        "application/vnd.msgpack",
        "multipart/form-data",
    }
    names = {p["name"] for p in records["get"]["parameters"]}
    assert names == {"filter", "sort", "expand", "fields", "page", "perPage", "skipTotal"}
    envelope = records["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert envelope == {"$ref": "#/components/schemas/RecordList.items"}
    envelope = schemas["RecordList.items"]
    assert envelope["required"] == ["page", "perPage", "totalItems", "totalPages", "items"]
    assert envelope["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Record.items"}


def _errors(schema: dict[str, Any], value: object) -> list[str]:
    checker = Draft202012Validator.FORMAT_CHECKER
    return [e.message for e in Draft202012Validator(schema, format_checker=checker).iter_errors(value)]


async def test_records_the_server_answers_validate_against_the_document(api: ApiClient) -> None:
    await _items(api)
    schema = (await document(api))["components"]["schemas"]["Record.items"]
    bodies: list[dict[str, Any]] = [
        {"title": "bare"},  # every optional field left at its zero value
        {
            "title": "full",
            "count": 9,
            "price": -1.5,
            "done": True,
            "mail": "a@example.com",
            "site": "https://example.com/x",
            "due": "2024-05-01T10:00:00Z",
            "kind": "b",
            "kinds": ["a", "b"],
            "meta": {"k": [1, None]},
            "body": "<p>hi</p>",
            "where": {"lon": 2.5, "lat": 48.1},
        },
    ]
    for body in bodies:
        r = await api.su("POST", "/api/collections/items/records", json=body)
        assert r.status_code == 200, r.text
        assert _errors(schema, r.json()) == [], r.json()
        listed = (await api.su("GET", "/api/collections/items/records")).json()["items"]
        for item in listed:
            assert _errors(schema, item) == [], item
    # and what the document refuses, the server refuses too
    create = (await document(api))["components"]["schemas"]["Create.items"]
    for bad in ({"title": "UPPER"}, {"title": "ok", "count": 10}, {"title": "ok", "mail": "not-mail"}):
        assert _errors(create, bad), bad
        r = await api.su("POST", "/api/collections/items/records", json=bad)
        assert r.status_code == 400, (bad, r.text)


async def test_auth_collections_get_their_sign_in_paths_without_password(api: ApiClient) -> None:
    doc = await document(api)
    assert "/api/collections/users/auth-with-password" in doc["paths"]
    assert "/api/collections/users/confirm-password-reset" in doc["paths"]
    record = doc["components"]["schemas"]["Record.users"]
    assert "password" not in record["properties"] and "tokenKey" not in record["properties"]
    assert "email" in record["properties"] and "required" not in record  # `fields` may leave any out
    create = doc["components"]["schemas"]["Create.users"]
    assert {"password", "passwordConfirm", "email"} <= set(create["required"])


async def test_the_document_follows_collection_changes_at_once(api: ApiClient) -> None:
    items = await _items(api)
    assert "Record.items" in (await document(api))["components"]["schemas"]
    fields = items["fields"]
    for field in fields:
        if field["name"] == "title":
            field["max"] = 42
    r = await api.su("PATCH", f"/api/collections/{items['id']}", json={"fields": fields})
    assert r.status_code == 200, r.text
    props = (await document(api))["components"]["schemas"]["Record.items"]["properties"]
    assert props["title"]["maxLength"] == 42
    r = await api.su("DELETE", f"/api/collections/{items['id']}")
    assert r.status_code == 204
    doc = await document(api)
    assert "Record.items" not in doc["components"]["schemas"]
    assert "/api/collections/items/records" not in doc["paths"]


async def test_a_guest_does_not_see_a_superuser_only_collection(api: ApiClient) -> None:
    await api.create_collection({"name": "private", "fields": [{"name": "x", "type": "text"}]})
    await api.create_collection(
        {"name": "viewable", "viewRule": "", "fields": [{"name": "x", "type": "text"}]}
    )
    _, user_token = await api.create_user("reader@example.com")
    for token in (None, user_token):
        doc = await document(api, token)
        assert "/api/collections/private/records" not in doc["paths"]
        assert "/api/collections/viewable/records" in doc["paths"]
        assert not any(name.endswith("._superusers") for name in doc["components"]["schemas"])
    doc = await document(api, api.superuser_token)
    assert "/api/collections/private/records" in doc["paths"]
    assert "/api/collections/_superusers/auth-with-password" in doc["paths"]


async def test_a_repeated_request_is_answered_from_the_cache(api: ApiClient, monkeypatch) -> None:
    from bastion.api import openapi

    built = []
    real = openapi.build_document

    def counting(*args: Any) -> dict[str, Any]:
        built.append(args[2])
        return real(*args)

    monkeypatch.setattr(openapi, "build_document", counting)
    first = await api.request("GET", "/api/openapi.json")
    second = await api.request("GET", "/api/openapi.json")
    assert first.content == second.content and built == [False]
    await api.su("GET", "/api/openapi.json")
    await api.su("GET", "/api/openapi.json")
    assert built == [False, True]  # one per caller class
    await api.create_collection({"name": "later", "listRule": "", "fields": []})
    assert "/api/collections/later/records" in (await document(api))["paths"]
    assert built == [False, True, False]


async def test_a_relation_to_a_hidden_collection_does_not_name_it(api: ApiClient) -> None:
    private = await api.create_collection({"name": "private", "fields": [{"name": "x", "type": "text"}]})
    relation = {"name": "ref", "type": "relation", "collectionId": private["id"], "maxSelect": 1}
    await api.create_collection({"name": "open", "listRule": "", "fields": [relation]})
    guest = (await document(api))["components"]["schemas"]["Record.open"]["properties"]["ref"]
    assert "private" not in guest["description"]
    su = (await document(api, api.superuser_token))["components"]["schemas"]["Record.open"]["properties"]
    assert su["ref"]["description"] == "The id of a private record."


async def test_negotiated_routes_list_messagepack_with_the_same_schema_and_406(api: ApiClient) -> None:
    await _items(api)
    doc = await document(api)
    paths = doc["paths"]
    for path, method in (
        ("/api/collections/items/records", "get"),
        ("/api/collections/items/records/{id}", "get"),
        ("/api/collections/{collection}/records", "get"),
        ("/api/collections/users/auth-with-password", "post"),
        ("/api/collections", "get"),
    ):
        op = paths[path][method]
        content = op["responses"]["200"]["content"]
        assert content["application/vnd.msgpack"] == content["application/json"], (path, method)
        assert op["responses"]["406"] == {"$ref": "#/components/responses/NotAcceptable"}
        assert op["responses"]["default"] == {"$ref": "#/components/responses/NegotiatedError"}
    body = paths["/api/collections/items/records/{id}"]["patch"]["requestBody"]["content"]
    assert (
        body["application/vnd.msgpack"]
        == body["application/json"]
        == {"schema": {"$ref": "#/components/schemas/Update.items"}}
    )
    assert "application/vnd.msgpack" in doc["components"]["responses"]["NegotiatedError"]["content"]
    # routes that answer JSON only do not list it
    for path, method in (
        ("/api/logs", "get"),
        ("/api/collections/users/request-otp", "post"),
        ("/api/batch", "post"),
    ):
        op = paths[path][method]
        assert "406" not in op["responses"], path
        assert op["responses"]["default"] == {"$ref": "#/components/responses/Error"}
        for answer in op["responses"].values():
            assert "application/vnd.msgpack" not in answer.get("content", {}), path
        assert "application/vnd.msgpack" not in op.get("requestBody", {}).get("content", {}), path
    # and what a MessagePack answer holds validates against the schema listed for it
    await api.su("POST", "/api/collections/items/records", json={"title": "packed", "count": 3})
    r = await api.request(
        "GET", "/api/collections/items/records", headers={"Accept": "application/vnd.msgpack"}
    )
    assert r.headers["content-type"] == "application/vnd.msgpack"
    page = msgspec.msgpack.decode(r.content)
    schema = {**doc["components"]["schemas"]["RecordList.items"], "$defs": doc["components"]["schemas"]}
    assert _errors(_local_refs(schema), page) == [] and page["items"][0]["title"] == "packed"


def _local_refs(schema: Any) -> Any:
    """`schema` with the document's component references pointed at its own `$defs`."""
    if isinstance(schema, dict):
        return {
            k: (v.replace("#/components/schemas/", "#/$defs/") if k == "$ref" else _local_refs(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_local_refs(v) for v in schema]
    return schema
