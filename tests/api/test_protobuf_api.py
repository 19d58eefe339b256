"""Protocol Buffers on the record routes (api/protobuf_answer.py, api/protobuf_schema.py): the
served `.proto` compiled by protoc (grpc_tools), answers decoded by the protobuf library with the
classes protoc's descriptors give, bodies built with them; 406, JSON errors, access to `.proto`,
field numbers through schema changes."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

from bastion.api.protobuf_schema import FIELD_NUMBER_LIMIT, FIRST_FIELD_NUMBER, field_numbers

protoc = pytest.importorskip("grpc_tools.protoc")

PB = {"Accept": "application/x-protobuf"}
BASE = "/api/collections/gadgets/records"

FIELDS: list[dict[str, Any]] = [
    {"name": "title", "type": "text"},
    {"name": "views", "type": "number"},
    {"name": "done", "type": "bool"},
    {"name": "meta", "type": "json"},
    {"name": "tags", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3},
    {"name": "kind", "type": "select", "values": ["x", "y"], "maxSelect": 1},
    {"name": "where", "type": "geoPoint"},
    {"name": "due", "type": "date"},
    {"name": "contact", "type": "email"},
    {"name": "secret_note", "type": "text", "hidden": True},
]
RECORDS: list[dict[str, Any]] = [
    {
        "title": "first",
        "views": 3,
        "done": True,
        "meta": {"a": [1, 2, {"b": None}], "big": 2**60},
        "tags": ["a", "c"],
        "kind": "x",
        "where": {"lon": 2.35, "lat": 48.85},
        "due": "2026-01-02 03:04:05.000Z",
        "contact": "a@example.com",
        "secret_note": "hush",
    },
    {"title": "ünïcødé ✓", "views": -1.5, "meta": "just a string", "tags": []},
    {"title": "", "views": 0, "done": False, "meta": None},
]


def compile_proto(text: str, tmp_path: Path, name: str) -> Any:
    """protoc's descriptors of the served text, in a pool of their own: (Record, List) classes."""
    src = tmp_path / f"{name}.proto"
    src.write_text(text)
    out = tmp_path / f"{name}.pb"
    include = resources.files("grpc_tools") / "_proto"
    code = protoc.main(
        [
            "protoc",
            f"-I{tmp_path}",
            f"-I{include}",
            f"--descriptor_set_out={out}",
            "--include_imports",
            src.name,
        ]
    )
    assert code == 0, f"protoc refused the served .proto:\n{text}"
    files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    record_name = next(m.name for m in files.file[-1].message_type if m.name.endswith("Record"))
    list_name = record_name.removesuffix("Record") + "List"
    return (
        message_factory.GetMessageClass(pool.FindMessageTypeByName(f"bastion.records.{record_name}")),
        message_factory.GetMessageClass(pool.FindMessageTypeByName(f"bastion.records.{list_name}")),
    )


def as_json_shape(record: dict[str, Any]) -> dict[str, Any]:
    """A JSON answer as protobuf carries it: json fields as text, hidden fields absent."""
    out = {k: v for k, v in record.items() if k != "secret_note"}
    out["meta"] = json.dumps(out["meta"], separators=(",", ":"), ensure_ascii=False)
    return out


def decoded(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, always_print_fields_with_no_presence=True)


@pytest.fixture
async def gadgets(api) -> list[dict[str, Any]]:
    rules = {name: "" for name in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}
    await api.create_collection({"name": "gadgets", **rules, "fields": FIELDS})
    return [await api.create_record("gadgets", r) for r in RECORDS]


async def proto_classes(api, tmp_path: Path, name: str = "gadgets", token: str | None = None) -> Any:
    r = await api.request("GET", f"/api/collections/{name}/proto", token=token)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return compile_proto(r.text, tmp_path, name)


async def test_list_and_view_decode_to_the_json_answers(api, gadgets, tmp_path) -> None:
    Record, Page = await proto_classes(api, tmp_path)
    plain = (await api.su("GET", f"{BASE}?sort=title")).json()
    r = await api.su("GET", f"{BASE}?sort=title", headers=PB)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/x-protobuf; messageType=bastion.records.GadgetsList"
    assert "Accept" in r.headers["vary"]
    page = Page.FromString(r.content)
    assert (page.page, page.perPage, page.totalItems, page.totalPages) == (1, 30, 3, 1)
    assert [decoded(item) for item in page.items] == [as_json_shape(i) for i in plain["items"]]
    assert len(r.content) < len((await api.su("GET", f"{BASE}?sort=title")).content)
    # a view (the superuser's JSON has the hidden field; the message type has no place for it)
    first = gadgets[0]
    r = await api.su("GET", f"{BASE}/{first['id']}", headers={"Accept": "application/protobuf"})
    assert r.headers["content-type"].endswith("messageType=bastion.records.GadgetsRecord")
    assert r.headers["etag"].startswith('W/"')
    record = Record.FromString(r.content)
    assert decoded(record) == as_json_shape(first)
    assert record.where.lat == 48.85 and list(record.tags) == ["a", "c"]
    assert json.loads(record.meta)["big"] == 2**60  # exact: the JSON text, not a double
    # skipTotal and fields= are carried as they are
    r = await api.request("GET", f"{BASE}?skipTotal=1&fields=id,title&sort=title", headers=PB)
    page = Page.FromString(r.content)
    picked = (await api.request("GET", f"{BASE}?skipTotal=1&fields=id,title&sort=title")).json()
    assert page.totalItems == -1 and [json_format.MessageToDict(i) for i in page.items] == picked["items"]
    assert not page.items[0].HasField("views")
    # JSON still wins ties and wildcards; protobuf must be ranked higher
    for accept in ("application/x-protobuf, application/json", "*/*"):
        r = await api.request("GET", BASE, headers={"Accept": accept})
        assert r.headers["content-type"] == "application/json"


async def test_writes_read_and_answer_protobuf(api, gadgets, tmp_path) -> None:
    Record, _ = await proto_classes(api, tmp_path)
    body = Record(title="from protobuf", views=7, done=True, meta='{"k":[1]}', tags=["b"])
    body.where.lon, body.where.lat = 1.5, -2.5
    headers = {**PB, "Content-Type": "application/x-protobuf"}
    r = await api.request("POST", BASE, content=body.SerializeToString(), headers=headers)
    assert r.status_code == 200, r.text
    created = Record.FromString(r.content)
    assert (created.title, created.views, created.done, list(created.tags)) == (
        "from protobuf",
        7,
        True,
        ["b"],
    )
    assert json.loads(created.meta) == {"k": [1]} and created.where.lat == -2.5
    # an update sets only the fields present: views stays
    patch = Record(title="renamed", done=False)
    r = await api.request("PATCH", f"{BASE}/{created.id}", content=patch.SerializeToString(), headers=headers)
    assert r.status_code == 200, r.text
    stored = (await api.request("GET", f"{BASE}/{created.id}")).json()
    assert (stored["title"], stored["views"], stored["done"]) == ("renamed", 7, False)
    # bodies that are not this collection's message, or bad json text in a json field
    for raw in (b"\xff\xff\xff", Record(meta="{not json").SerializeToString()):
        r = await api.request("POST", BASE, content=raw, headers={"Content-Type": "application/x-protobuf"})
        assert r.status_code == 400 and r.headers["content-type"] == "application/json"
    # a route without a protobuf body type
    r = await api.su(
        "PATCH", "/api/collections/gadgets", content=b"", headers={"Content-Type": "application/x-protobuf"}
    )
    assert r.status_code == 415


async def test_errors_stay_json_and_406_where_protobuf_is_not_offered(api, gadgets) -> None:
    r = await api.request("GET", f"{BASE}/nope", headers=PB)
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    r = await api.request("GET", f"{BASE}?filter=(((", headers=PB)
    assert r.status_code == 400 and r.json()["status"] == 400
    r = await api.su("GET", "/api/collections/gadgets", headers=PB)
    assert r.status_code == 406 and "application/x-protobuf" not in r.json()["message"]
    r = await api.su(
        "GET",
        "/api/collections/gadgets",
        headers={**PB, "Accept": "application/x-protobuf, application/json;q=0.1"},
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    r = await api.request("DELETE", f"{BASE}/{gadgets[2]['id']}", headers=PB)
    assert r.status_code == 204


async def test_proto_access_and_schema_changes(api, gadgets, tmp_path) -> None:
    await api.create_collection({"name": "vault", "fields": [{"name": "code", "type": "text"}]})
    assert (await api.request("GET", "/api/collections/vault/proto")).status_code == 403
    assert (await api.su("GET", "/api/collections/vault/proto")).status_code == 200
    assert (await api.request("GET", "/api/collections/missing/proto")).status_code == 404
    before = (await api.request("GET", "/api/collections/gadgets/proto")).text
    assert "secret_note" not in before and "optional string title = " in before

    def number_of(text: str, name: str) -> int:
        line = next(line for line in text.splitlines() if f" {name} = " in line)
        return int(line.split("=")[1].split(";")[0].split("[")[0])

    title_number = number_of(before, "title")
    collection = (await api.su("GET", "/api/collections/gadgets")).json()
    fields = [
        {**f, "name": "headline"} if f["name"] == "title" else f
        for f in collection["fields"]
        if f["name"] != "views"
    ]
    fields.append({"name": "extra", "type": "number"})
    r = await api.su("PATCH", "/api/collections/gadgets", json={"fields": fields})
    assert r.status_code == 200, r.text
    after = (await api.request("GET", "/api/collections/gadgets/proto")).text
    assert number_of(after, "headline") == title_number  # renamed: the id, so the number, stays
    assert " views = " not in after and " extra = " in after
    Record, _ = compile_proto(after, tmp_path, "gadgets_after")
    r = await api.request("GET", f"{BASE}/{gadgets[0]['id']}", headers=PB)
    assert Record.FromString(r.content).headline == "first"


async def test_an_auth_collection(api, tmp_path) -> None:
    await api.create_user("pb@example.com")
    Record, Page = await proto_classes(api, tmp_path, "users", token=api.superuser_token)
    text = (await api.su("GET", "/api/collections/users/proto")).text
    assert " tokenKey = " not in text and " password = " not in text and " email = " in text
    r = await api.su("GET", "/api/collections/users/records", headers=PB)
    [user] = Page.FromString(r.content).items
    plain = (await api.su("GET", "/api/collections/users/records")).json()["items"][0]
    assert json_format.MessageToDict(user, always_print_fields_with_no_presence=True) == plain


def test_field_numbers_depend_on_the_id_alone() -> None:
    ids = [f"text{i}" for i in range(200)]
    numbers = field_numbers(ids)
    assert len(set(numbers.values())) == len(ids)
    assert all(
        FIRST_FIELD_NUMBER <= n < FIELD_NUMBER_LIMIT and not 19000 <= n < 20000 for n in numbers.values()
    )
    fewer = field_numbers(ids[50:] + ["new1"])
    assert all(fewer[i] == numbers[i] for i in ids[50:])
