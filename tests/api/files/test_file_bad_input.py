"""Files sent where they do not belong, and requests for things that do not exist (as PocketBase)."""

from __future__ import annotations

from typing import Any

from tests.api.files.images import png
from tests.conftest import ApiClient


async def test_files_for_non_file_or_unknown_fields_are_ignored(api: ApiClient, docs: dict[str, Any]) -> None:
    r = await api.request(
        "POST",
        "/api/collections/docs/records",
        files=[("title", ("t.txt", b"x", "")), ("nofield", ("t.txt", b"x", ""))],
    )
    assert r.status_code == 200, r.text
    rec = r.json()
    assert rec["title"] == "" and "nofield" not in rec
    assert await api.app.files.storage.list_keys(f"{docs['id']}/{rec['id']}/") == []


async def test_unknown_collection_or_record(api: ApiClient, docs: dict[str, Any]) -> None:
    files = [("many", ("t.txt", b"x", ""))]
    r = await api.request("POST", "/api/collections/nope/records", files=files)
    assert r.json() == {"data": {}, "message": "Missing or invalid collection context.", "status": 404}
    r = await api.request("PATCH", "/api/collections/docs/records/nope", files=files)
    assert r.json() == {"data": {}, "message": "The requested resource wasn't found.", "status": 404}
    assert await api.app.files.storage.list_keys(f"{docs['id']}/") == []


async def test_append_to_a_single_file_field_replaces(api: ApiClient, docs: dict[str, Any]) -> None:
    r = await api.request("POST", "/api/collections/docs/records", files=[("one+", ("p.png", png(), ""))])
    assert r.status_code == 200, r.text
    assert r.json()["one"].endswith(".png")
    r = await api.request(
        "POST", "/api/collections/docs/records", data={"one": ""}, files=[("one", ("p.png", png(), ""))]
    )
    assert r.status_code == 200 and r.json()["one"].endswith(".png")


async def test_body_over_the_collection_limit_is_413(api: ApiClient, docs: dict[str, Any]) -> None:
    # 32 MB plus every file field's maxSize × maxSelect: a declared length past that is refused unread.
    limit = (32 << 20) + 20000 + 3 * (5 << 20) + (5 << 20)
    r = await api.request(
        "POST",
        "/api/collections/docs/records",
        content=b"x",
        headers={"content-type": "multipart/form-data; boundary=x", "content-length": str(limit + 1)},
    )
    assert r.status_code == 413
    assert r.json()["status"] == 413
    # Past PocketBase's default 32 MB but within the collection's limit: read (and found broken).
    r = await api.request(
        "POST",
        "/api/collections/docs/records",
        content=b"x",
        headers={"content-type": "multipart/form-data; boundary=x", "content-length": str((32 << 20) + 10)},
    )
    assert r.status_code == 400
