"""MessagePack next to JSON on the record and collection routes (bastion/http/media_negotiation.py,
api/context.py `read_body`): the same values both ways, 406, 415, bounded input, ETags, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from bastion.api.context import decode_msgpack
from bastion.errors import BadRequestError

MP = {"Accept": "application/msgpack"}
MSGPACK_TYPE = "application/vnd.msgpack"

RECORDS: list[dict[str, Any]] = [
    {"title": "plain", "views": 1, "ratio": 0.5, "done": True, "meta": {"a": [1, 2, {"b": None}]}},
    {"title": "ünïcødé ✓ 漢字", "views": -7, "ratio": 1e-7, "done": False, "meta": ["x", 1.5, True, None]},
    {"title": "", "views": 0, "ratio": 123456.789, "done": False, "meta": None},
    {"title": "deep", "views": 2**53, "ratio": -0.0, "meta": {"n": {"n": {"n": {"s": "emoji 🎉"}}}}},
    {"title": "scalar json", "meta": "just a string"},
]


def decode(r: Any) -> Any:
    assert r.headers["content-type"] == MSGPACK_TYPE, r.headers
    return msgspec.msgpack.decode(r.content)


@pytest.fixture
async def items(api) -> dict[str, Any]:
    await api.create_collection(
        {
            "name": "items",
            "listRule": "",
            "viewRule": "",
            "createRule": "",
            "updateRule": "",
            "deleteRule": "",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "views", "type": "number"},
                {"name": "ratio", "type": "number"},
                {"name": "done", "type": "bool"},
                {"name": "meta", "type": "json"},
            ],
        }
    )
    return {r["title"]: await api.create_record("items", r) for r in RECORDS}


async def test_reads_decode_to_the_json_answers(api, items) -> None:
    base = "/api/collections/items/records"
    plain = await api.request("GET", f"{base}?perPage=50&sort=title")
    assert plain.headers["content-type"] == "application/json"  # no Accept: JSON as ever
    assert "Accept" in plain.headers["vary"]
    for accept in ("application/msgpack", "application/vnd.msgpack", "application/x-msgpack"):
        packed = await api.request("GET", f"{base}?perPage=50&sort=title", headers={"Accept": accept})
        assert packed.status_code == 200
        assert decode(packed) == plain.json()
        assert "Accept" in packed.headers["vary"]
    assert len(plain.json()["items"]) == len(RECORDS)
    for record in items.values():
        url = f"{base}/{record['id']}"
        assert decode(await api.request("GET", url, headers=MP)) == (await api.request("GET", url)).json()
    # the collection routes too
    for url in ("/api/collections", "/api/collections/items"):
        assert decode(await api.su("GET", url, headers=MP)) == (await api.su("GET", url)).json()
    # JSON wins ties and wildcards; a higher q for MessagePack wins
    tie = await api.request("GET", base, headers={"Accept": "application/msgpack, application/json"})
    assert tie.headers["content-type"] == "application/json"
    star = await api.request("GET", base, headers={"Accept": "*/*"})
    assert star.headers["content-type"] == "application/json"
    preferred = await api.request(
        "GET", base, headers={"Accept": "application/json;q=0.5, application/msgpack"}
    )
    assert preferred.headers["content-type"] == MSGPACK_TYPE


async def test_writes_with_msgpack_bodies(api, items) -> None:
    base = "/api/collections/items/records"
    body = {"title": "packed ✓", "views": 42, "ratio": 2.25, "done": True, "meta": {"k": [1, "two", None]}}
    created = await api.request(
        "POST",
        base,
        content=msgspec.msgpack.encode(body),
        headers={**MP, "Content-Type": "application/msgpack"},
    )
    assert created.status_code == 200, created.content
    record = decode(created)
    assert {k: record[k] for k in body} == body
    assert record == (await api.request("GET", f"{base}/{record['id']}")).json()

    # a MessagePack body with a JSON answer, and the other way round
    updated = await api.request(
        "PATCH",
        f"{base}/{record['id']}",
        content=msgspec.msgpack.encode({"views": 43, "meta": None}),
        headers={"Content-Type": "application/vnd.msgpack"},
    )
    assert updated.status_code == 200
    assert updated.json()["views"] == 43 and updated.json()["meta"] is None
    updated = await api.request("PATCH", f"{base}/{record['id']}", json={"done": False}, headers=MP)
    assert decode(updated) == (await api.request("GET", f"{base}/{record['id']}")).json()

    # an empty MessagePack body is an empty object, as an empty JSON one
    empty = await api.request(
        "PATCH", f"{base}/{record['id']}", content=b"", headers={"Content-Type": "application/x-msgpack"}
    )
    assert empty.status_code == 200
    deleted = await api.request("DELETE", f"{base}/{record['id']}", headers=MP)
    assert deleted.status_code == 204 and deleted.content == b""

    # sign-in answers in MessagePack; its token works
    await api.create_user("mp@example.com")
    signed = await api.request(
        "POST",
        "/api/collections/users/auth-with-password",
        content=msgspec.msgpack.encode({"identity": "mp@example.com", "password": "userpass123"}),
        headers={**MP, "Content-Type": "application/msgpack"},
    )
    auth = decode(signed)
    assert auth["record"]["email"] == "mp@example.com"
    refreshed = await api.request(
        "POST", "/api/collections/users/auth-refresh", token=auth["token"], headers=MP
    )
    assert decode(refreshed)["record"]["id"] == auth["record"]["id"]


async def test_refusals(api, items) -> None:
    base = "/api/collections/items/records"
    # nothing we can answer: 406 in PocketBase's JSON shape, before the handler runs
    refused = await api.request("POST", base, json={"title": "never"}, headers={"Accept": "text/html"})
    assert refused.status_code == 406
    assert refused.json()["status"] == 406 and set(refused.json()) == {"status", "message", "data"}
    assert "Accept" in refused.headers["vary"]
    listed = await api.request("GET", f"{base}?filter=title='never'")
    assert listed.json()["totalItems"] == 0

    # a body type we do not read: 415
    r = await api.request("POST", base, content=b"title=x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert "application/vnd.msgpack" in r.json()["message"]

    async def post(content: bytes) -> Any:
        r = await api.request(
            "POST", base, content=content, headers={**MP, "Content-Type": "application/msgpack"}
        )
        assert r.status_code == 400, r.content
        return decode(r)  # errors come as MessagePack to a MessagePack client, in the same shape

    bad = await post(b"\xc1\x00garbage")
    assert bad["status"] == 400 and bad["message"] == "The body is not valid MessagePack."
    assert set(bad) == {"status", "message", "data"}
    assert (await post(msgspec.msgpack.encode([1, 2])))["status"] == 400  # not a map
    assert (await post(msgspec.msgpack.encode({"title": b"bytes"})))["message"].startswith(
        "The MessagePack body holds a value JSON cannot"
    )
    assert (await post(msgspec.msgpack.encode({1: "int key"})))["status"] == 400
    # a str whose bytes are not UTF-8 (msgspec raises UnicodeDecodeError, not DecodeError)
    assert (await post(b"\x81\xa5title\xa1\x80"))["message"] == "The body is not valid MessagePack."
    assert (await post(b"\x81\xa1\x80\x01"))["message"] == "The body is not valid MessagePack."
    assert (await post(msgspec.msgpack.encode({"ratio": float("nan")})))["status"] == 400

    # nesting: bounded as JSON is (256 levels), though a level costs one byte here
    def nested(levels: int) -> bytes:
        """A record whose `meta` makes the body nest `levels` levels (the map is the first)."""
        value: list[Any] = []
        for _ in range(levels - 2):
            value = [value]
        return msgspec.msgpack.encode({"title": "n", "meta": value})

    too_deep = await post(nested(257))
    assert "deeper than 256" in too_deep["message"]
    ok = await api.request(
        "POST", base, content=nested(256), headers={**MP, "Content-Type": "application/msgpack"}
    )
    assert ok.status_code == 200, ok.content

    # an int beyond 64 bits (a json field may hold one) has no MessagePack form: JSON if the
    # client takes it, else 406
    huge = await api.create_record("items", {"title": "huge", "meta": {"n": 10**30}})
    url = f"{base}/{huge['id']}"
    assert (await api.request("GET", url, headers=MP)).status_code == 406
    fallback = await api.request(
        "GET", url, headers={"Accept": "application/msgpack, application/json;q=0.1"}
    )
    assert fallback.status_code == 200 and fallback.json()["meta"] == {"n": 10**30}

    missing = await api.request("GET", f"{base}/nope", headers=MP)
    assert missing.status_code == 404
    assert decode(missing) == (await api.request("GET", f"{base}/nope")).json()


async def test_etags_head_and_compression(api, items) -> None:
    url = f"/api/collections/items/records/{items['plain']['id']}"
    plain = await api.request("GET", url)
    packed = await api.request("GET", url, headers=MP)
    # the JSON's tag, weakened: the same data, other bytes
    assert packed.headers["etag"] == "W/" + plain.headers["etag"]
    for tag in (plain.headers["etag"], packed.headers["etag"]):
        again = await api.request("GET", url, headers={**MP, "If-None-Match": tag})
        assert again.status_code == 304 and again.content == b""
        assert "Accept" in again.headers["vary"]
    head = await api.request("HEAD", url, headers=MP)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(packed.content))
    assert head.headers["content-type"] == MSGPACK_TYPE
    # If-Match takes the tag a MessagePack client holds
    updated = await api.request(
        "PATCH", url, json={"views": 2}, headers={**MP, "If-Match": packed.headers["etag"]}
    )
    assert updated.status_code == 200
    stale = await api.request(
        "PATCH", url, json={"views": 3}, headers={**MP, "If-Match": packed.headers["etag"]}
    )
    assert stale.status_code == 412 and decode(stale)["status"] == 412

    for i in range(30):
        await api.create_record(
            "items", {"title": f"bulk {i}", "meta": {"i": i, "words": "lorem ipsum " * 5}}
        )
    big = await api.request(
        "GET", "/api/collections/items/records?perPage=40", headers={**MP, "Accept-Encoding": "gzip"}
    )
    assert big.headers["content-encoding"] == "gzip"
    assert decode(big)["perPage"] == 40


@pytest.mark.parametrize(
    "value",
    [
        datetime(2024, 5, 1, tzinfo=UTC),  # the timestamp extension
        msgspec.msgpack.Ext(5, b"x"),
        {"a": [b"bin"]},
        {"a": {2: "int key"}},
        [float("inf")],
    ],
)
def test_decode_msgpack_takes_only_what_json_has(value: Any) -> None:
    with pytest.raises(BadRequestError, match="a value JSON cannot"):
        decode_msgpack(msgspec.msgpack.encode(value))


def test_decode_msgpack_keeps_what_json_has() -> None:
    value = {"s": "ü", "i": -(2**63), "u": 2**64 - 1, "f": 0.1, "b": False, "n": None, "l": [[{}]]}
    assert decode_msgpack(msgspec.msgpack.encode(value)) == value
