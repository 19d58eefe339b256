"""Uploading, replacing, appending and removing files through the records API (both databases)."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.api.files.images import png, png_bomb
from tests.conftest import ApiClient

NAME = re.compile(r"^[a-z0-9_]+_[a-z0-9]{10}\.[a-z]+$")


async def stored(api: ApiClient, collection: dict[str, Any], record_id: str, name: str) -> bytes | None:
    await api.app.files.settle()
    key = f"{collection['id']}/{record_id}/{name}"
    if await api.app.files.storage.stat(key) is None:
        return None
    return await api.app.files.storage.read_bytes(key)


async def create(api: ApiClient, files: Any, data: dict[str, Any] | None = None) -> Any:
    return await api.request("POST", "/api/collections/docs/records", data=data or {}, files=files)


async def test_upload_on_create_stores_sanitised_names(api: ApiClient, docs: dict[str, Any]) -> None:
    r = await create(
        api,
        [("one", ("My Photo (1).png", png(), "image/png")), ("many", ("Hello World!!.txt", b"hi", "x/y"))],
        {"title": "a"},
    )
    assert r.status_code == 200, r.text
    rec = r.json()
    assert rec["one"].startswith("my_photo_1_") and rec["one"].endswith(".png")
    assert NAME.match(rec["one"]) and NAME.match(rec["many"][0])
    assert rec["many"][0].startswith("hello_world_")
    assert await stored(api, docs, rec["id"], rec["many"][0]) == b"hi"
    got = await api.request("GET", f"/api/files/docs/{rec['id']}/{rec['many'][0]}")
    assert got.status_code == 200 and got.content == b"hi"


async def test_short_and_extensionless_names_get_random_parts(api: ApiClient, docs: dict[str, Any]) -> None:
    r = await create(api, [("many", ("a.png", png(), "")), ("many", ("noext", png(), ""))])
    assert r.status_code == 200, r.text
    short, bare = r.json()["many"]
    assert re.match(r"^a[a-z0-9]{10}_[a-z0-9]{10}\.png$", short)
    assert re.match(r"^noext_[a-z0-9]{10}\.png$", bare)  # extension from the content


async def test_json_payload_form_of_the_sdk(api: ApiClient, docs: dict[str, Any]) -> None:
    r = await create(
        api,
        [("many", ("n.txt", b"note", "text/plain"))],
        {"@jsonPayload": json.dumps({"title": "from json"})},
    )
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "from json" and len(r.json()["many"]) == 1


async def test_replace_single_file_deletes_the_old_one(api: ApiClient, docs: dict[str, Any]) -> None:
    rec = (await create(api, [("one", ("a.txt", b"first", "text/plain"))])).json()
    r = await api.request(
        "PATCH", f"/api/collections/docs/records/{rec['id']}", files=[("one", ("b.txt", b"second", ""))]
    )
    assert r.status_code == 200, r.text
    new = r.json()["one"]
    assert new != rec["one"]
    assert await stored(api, docs, rec["id"], new) == b"second"
    assert await stored(api, docs, rec["id"], rec["one"]) is None
    old = await api.request("GET", f"/api/files/docs/{rec['id']}/{rec['one']}")
    assert old.status_code == 404


async def test_append_and_remove_by_modifier_and_by_name(api: ApiClient, docs: dict[str, Any]) -> None:
    rec = (await create(api, [("many", ("a.txt", b"a", "")), ("many", ("b.txt", b"b", ""))])).json()
    a, b = rec["many"]
    url = f"/api/collections/docs/records/{rec['id']}"
    r = await api.request("PATCH", url, files=[("many+", ("c.txt", b"c", ""))])
    assert r.status_code == 200, r.text
    c = r.json()["many"][2]
    assert r.json()["many"][:2] == [a, b]
    r = await api.request("PATCH", url, data={"many-": a})
    assert r.json()["many"] == [b, c]
    r = await api.request("PATCH", url, json={"many": [c]})  # keep only c, by name
    assert r.json()["many"] == [c]
    assert await stored(api, docs, rec["id"], a) is None
    assert await stored(api, docs, rec["id"], b) is None
    assert await stored(api, docs, rec["id"], c) == b"c"


async def test_delete_record_removes_its_files(api: ApiClient, docs: dict[str, Any]) -> None:
    rec = (await create(api, [("many", ("a.txt", b"a", ""))])).json()
    r = await api.request("DELETE", f"/api/collections/docs/records/{rec['id']}")
    assert r.status_code == 204
    await api.app.files.settle()
    assert await api.app.files.storage.list_keys(f"{docs['id']}/{rec['id']}/") == []


async def test_delete_collection_and_truncate_remove_files(api: ApiClient, docs: dict[str, Any]) -> None:
    first = (await create(api, [("many", ("a.txt", b"a", ""))])).json()
    r = await api.su("DELETE", "/api/collections/docs/truncate")
    assert r.status_code == 204
    await api.app.files.settle()
    assert await api.app.files.storage.list_keys(f"{docs['id']}/{first['id']}/") == []
    await create(api, [("many", ("b.txt", b"b", ""))])
    assert (await api.su("DELETE", "/api/collections/docs")).status_code == 204
    await api.app.files.settle()
    assert await api.app.files.storage.list_keys(f"{docs['id']}/") == []


async def test_too_large_file(api: ApiClient, docs: dict[str, Any]) -> None:
    r = await create(api, [("one", ("big.txt", b"x" * 20001, "text/plain"))])
    assert r.status_code == 400
    assert r.json()["data"]["one"] == {
        "code": "validation_file_size_limit",
        "message": "Failed to upload big.txt - the maximum allowed file size is 20000 bytes.",
        "params": {"file": "big.txt", "maxSize": 20000},
    }


async def test_mime_type_checked_by_content_not_the_clients_word(
    api: ApiClient, docs: dict[str, Any]
) -> None:
    r = await create(api, [("one", ("fake.png", b"%PDF-1.4 not an image", "image/png"))])
    assert r.status_code == 400
    err = r.json()["data"]["one"]
    assert err["code"] == "validation_invalid_mime_type"
    assert re.match(
        r'^"fake_[a-z0-9]{10}\.png" mime type must be one of: image/png, image/jpeg, text/plain\.$',
        err["message"],
    )


async def test_too_many_files(api: ApiClient, docs: dict[str, Any]) -> None:
    r = await create(api, [("many", (f"{i}.txt", b"x", "")) for i in range(4)])
    assert r.status_code == 400
    assert r.json()["data"]["many"] == {
        "code": "validation_too_many_files",
        "message": "The maximum allowed files is 3.",
        "params": {"maxSelect": 3},
    }


async def test_unknown_names_are_refused(api: ApiClient, docs: dict[str, Any]) -> None:
    r = await api.request("POST", "/api/collections/docs/records", json={"many": ["../../etc/passwd"]})
    assert r.status_code == 400
    assert r.json()["data"]["many"]["code"] == "validation_invalid_file"


async def test_path_traversal_in_upload_name_is_sanitised(api: ApiClient, docs: dict[str, Any]) -> None:
    r = await create(api, [("many", ("../../../evil.txt", b"x", ""))])
    assert r.status_code == 200, r.text
    name = r.json()["many"][0]
    assert re.fullmatch(r"evil_[a-z0-9]{10}\.txt", name)  # the last segment only, as PocketBase
    assert await stored(api, docs, r.json()["id"], name) == b"x"


async def test_decompression_bomb_is_refused(api: ApiClient, docs: dict[str, Any]) -> None:
    r = await create(api, [("many", ("bomb.png", png_bomb(), "image/png"))])
    assert r.status_code == 400
    assert r.json()["data"]["many"]["code"] == "validation_image_too_large"


async def test_failed_batch_removes_uploads_of_earlier_requests(api: ApiClient, docs: dict[str, Any]) -> None:
    await api.su("PATCH", "/api/settings", json={"batch": {"enabled": True, "maxRequests": 10, "timeout": 5}})
    payload = {
        "requests": [
            {"method": "POST", "url": "/api/collections/docs/records", "body": {"id": "batchrec0000001"}},
            {"method": "POST", "url": "/api/collections/docs/records", "body": {"id": "batchrec0000001"}},
        ]
    }
    files = [("requests.0.many", ("a.txt", b"a", ""))]
    r = await api.request("POST", "/api/batch", data={"@jsonPayload": json.dumps(payload)}, files=files)
    assert r.status_code == 400, r.text
    assert list(r.json()["data"]["requests"]) == ["1"]  # the first one ran, and stored its file
    await api.app.files.settle()
    assert await api.app.files.storage.list_keys(f"{docs['id']}/batchrec0000001/") == []


async def test_batch_uploads_by_request_index(api: ApiClient, docs: dict[str, Any]) -> None:
    await api.su("PATCH", "/api/settings", json={"batch": {"enabled": True, "maxRequests": 10, "timeout": 5}})
    payload = {
        "requests": [{"method": "POST", "url": "/api/collections/docs/records", "body": {"title": "t"}}]
    }
    files = [("requests[0].many", ("a.txt", b"batch", ""))]
    r = await api.request("POST", "/api/batch", data={"@jsonPayload": json.dumps(payload)}, files=files)
    assert r.status_code == 200, r.text
    body = r.json()[0]["body"]
    assert await stored(api, docs, body["id"], body["many"][0]) == b"batch"


async def test_rules_see_uploaded_file_names(api: ApiClient, docs: dict[str, Any]) -> None:
    # `~` with a % is an anchored LIKE: the value must be exactly a generated name.
    rule = "@request.body.one ~ 'photo_%.txt' && @request.body.many:length = 2"
    await api.su("PATCH", "/api/collections/docs", json={"createRule": rule})
    two = [("many", ("a.txt", b"a", "")), ("many", ("b.txt", b"b", ""))]
    wrong = await create(api, [("one", ("other.txt", b"x", "")), *two])
    assert wrong.status_code == 400
    right = await create(api, [("one", ("photo.txt", b"x", "")), *two])
    assert right.status_code == 200, right.text


async def test_json_payload_names_and_new_files_merge(api: ApiClient, docs: dict[str, Any]) -> None:
    rec = (await create(api, [("many", ("a.txt", b"a", "")), ("many", ("b.txt", b"b", ""))])).json()
    a, b = rec["many"]
    r = await api.request(
        "PATCH",
        f"/api/collections/docs/records/{rec['id']}",
        data={"@jsonPayload": json.dumps({"many": [b]})},
        files=[("many", ("c.txt", b"c", ""))],
    )
    assert r.status_code == 200, r.text
    assert r.json()["many"][0] == b and len(r.json()["many"]) == 2  # a dropped, b kept, c added
    assert await stored(api, docs, rec["id"], a) is None
