"""GET /api/files/... and POST /api/files/token, as PocketBase answers them (plus ETag/private)."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from PIL import Image

from tests.api.files.images import jpeg, png
from tests.conftest import ApiClient

NOT_FOUND = {"data": {}, "message": "The requested resource wasn't found.", "status": 404}


async def upload(api: ApiClient, files: list[Any], token: str | None = None) -> dict[str, Any]:
    r = await api.request("POST", "/api/collections/docs/records", token=token, files=files)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_headers_of_an_inline_image_and_an_attachment(api: ApiClient, docs: dict[str, Any]) -> None:
    rec = await upload(api, [("one", ("p.png", png(), "")), ("many", ("t.txt", b"hello world", ""))])
    r = await api.request("GET", f"/api/files/docs/{rec['id']}/{rec['one']}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.headers["content-disposition"] == f'inline; filename="{rec["one"]}"'
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "max-age=2592000, stale-while-revalidate=86400"
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    assert r.headers["accept-ranges"] == "bytes"
    assert "x-frame-options" not in r.headers  # files may be embedded, as in PocketBase
    assert r.content == png()
    t = await api.request("GET", f"/api/files/docs/{rec['id']}/{rec['many'][0]}")
    assert t.headers["content-type"] == "text/plain; charset=utf-8"
    assert t.headers["content-disposition"].startswith("attachment;")
    head = await api.request("HEAD", f"/api/files/docs/{rec['id']}/{rec['one']}")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(png()))
    d = await api.request("GET", f"/api/files/docs/{rec['id']}/{rec['one']}?download=1")
    assert d.headers["content-disposition"] == f'attachment; filename="{rec["one"]}"'


async def test_unknown_things_are_404(api: ApiClient, docs: dict[str, Any]) -> None:
    rec = await upload(api, [("many", ("t.txt", b"x", ""))])
    name = rec["many"][0]
    for url in (
        f"/api/files/docs/{rec['id']}/nope.txt",
        f"/api/files/docs/nope/{name}",
        f"/api/files/docs/{rec['id']}/..%2F..%2Fdata.db",
        f"/api/files/docs/{rec['id']}/%2e%2e",
    ):
        r = await api.request("GET", url)
        assert r.status_code == 404, url
        assert r.json() == NOT_FOUND
    r = await api.request("GET", f"/api/files/nope/{rec['id']}/{name}")
    assert r.json() == {"data": {}, "message": "Missing or invalid collection context.", "status": 404}


async def test_conditional_requests_answer_304(api: ApiClient, docs: dict[str, Any]) -> None:
    rec = await upload(api, [("many", ("t.txt", b"hello world", ""))])
    url = f"/api/files/docs/{rec['id']}/{rec['many'][0]}"
    first = await api.request("GET", url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    r = await api.request("GET", url, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""
    r = await api.request("GET", url, headers={"If-Modified-Since": modified})
    assert r.status_code == 304
    r = await api.request("GET", url, headers={"If-None-Match": '"other"'})
    assert r.status_code == 200 and r.content == b"hello world"


async def test_range_requests(api: ApiClient, docs: dict[str, Any]) -> None:
    rec = await upload(api, [("many", ("t.txt", b"hello world", ""))])
    url = f"/api/files/docs/{rec['id']}/{rec['many'][0]}"
    r = await api.request("GET", url, headers={"Range": "bytes=2-4"})
    assert r.status_code == 206 and r.content == b"llo"
    assert r.headers["content-range"] == "bytes 2-4/11" and r.headers["content-length"] == "3"
    r = await api.request("GET", url, headers={"Range": "bytes=-5"})
    assert r.status_code == 206 and r.content == b"world"
    r = await api.request("GET", url, headers={"Range": "bytes=6-"})
    assert r.content == b"world"
    r = await api.request("GET", url, headers={"Range": "bytes=50-60"})
    assert r.status_code == 416 and r.headers["content-range"] == "bytes */11"
    r = await api.request("GET", url, headers={"Range": "bytes=0-1", "If-Range": '"stale"'})
    assert r.status_code == 200 and r.content == b"hello world"


@pytest.mark.parametrize(
    ("size", "expected"),
    [("10x10", (10, 10)), ("20x0", (20, 10)), ("0x5", (10, 5)), ("8x8t", (8, 8)), ("30x30f", (30, 15))],
)
async def test_thumbnails(api: ApiClient, docs: dict[str, Any], size: str, expected: tuple[int, int]) -> None:
    rec = await upload(api, [("one", ("p.png", png(40, 20), ""))])
    r = await api.request("GET", f"/api/files/docs/{rec['id']}/{rec['one']}?thumb={size}")
    assert r.status_code == 200
    assert r.headers["content-disposition"] == f'inline; filename="{size}_{rec["one"]}"'
    assert Image.open(io.BytesIO(r.content)).size == expected
    key = f"{docs['id']}/{rec['id']}/thumbs_{rec['one']}/{size}_{rec['one']}"
    assert await api.app.files.storage.stat(key) is not None


async def test_thumbnail_crop_from_top_and_bottom(api: ApiClient, docs: dict[str, Any]) -> None:
    tall = Image.new("RGB", (10, 30), (255, 0, 0))
    tall.paste((0, 0, 255), (0, 15, 10, 30))  # top half red, bottom half blue
    buf = io.BytesIO()
    tall.save(buf, format="PNG")
    rec = await upload(api, [("one", ("tall.png", buf.getvalue(), ""))])
    colors = {}
    for size in ("8x8t", "8x8b"):
        r = await api.request("GET", f"/api/files/docs/{rec['id']}/{rec['one']}?thumb={size}")
        colors[size] = Image.open(io.BytesIO(r.content)).convert("RGB").getpixel((4, 4))
    assert colors["8x8t"][0] > 200 and colors["8x8t"][2] < 50  # red: the top was kept
    assert colors["8x8b"][2] > 200 and colors["8x8b"][0] < 50  # blue: the bottom was kept


async def test_thumbnail_keeps_jpeg_and_default_size_applies(api: ApiClient, docs: dict[str, Any]) -> None:
    rec = await upload(api, [("many", ("p.jpg", jpeg(300, 200), ""))])
    r = await api.request("GET", f"/api/files/docs/{rec['id']}/{rec['many'][0]}?thumb=100x100")
    assert r.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(r.content)).size == (100, 100)


async def test_unlisted_thumb_size_or_non_image_serves_the_original(
    api: ApiClient, docs: dict[str, Any]
) -> None:
    rec = await upload(api, [("one", ("p.png", png(), "")), ("many", ("t.txt", b"text", ""))])
    r = await api.request("GET", f"/api/files/docs/{rec['id']}/{rec['one']}?thumb=70x70")
    assert r.content == png()
    r = await api.request("GET", f"/api/files/docs/{rec['id']}/{rec['many'][0]}?thumb=100x100")
    assert r.content == b"text"


async def test_thumbnail_is_generated_once_under_concurrency(api: ApiClient, docs: dict[str, Any]) -> None:
    rec = await upload(api, [("one", ("p.png", png(400, 300), ""))])
    url = f"/api/files/docs/{rec['id']}/{rec['one']}?thumb=10x10"
    before = api.app.thumbnailer.generated
    answers = await asyncio.gather(*(api.request("GET", url) for _ in range(8)))
    assert {r.status_code for r in answers} == {200}
    assert len({r.content for r in answers}) == 1
    assert api.app.thumbnailer.generated - before == 1


async def test_removed_file_takes_its_thumbnails(api: ApiClient, docs: dict[str, Any]) -> None:
    rec = await upload(api, [("one", ("p.png", png(), ""))])
    await api.request("GET", f"/api/files/docs/{rec['id']}/{rec['one']}?thumb=10x10")
    r = await api.request("PATCH", f"/api/collections/docs/records/{rec['id']}", json={"one": None})
    assert r.status_code == 200
    await api.app.files.settle()
    key = f"{docs['id']}/{rec['id']}/thumbs_{rec['one']}/10x10_{rec['one']}"
    assert await api.app.files.storage.stat(key) is None


async def test_protected_files_need_a_file_token(api: ApiClient, docs: dict[str, Any]) -> None:
    user, token = await api.create_user("owner@example.com")
    await api.su("PATCH", "/api/collections/docs", json={"viewRule": "@request.auth.id != ''"})
    rec = await upload(api, [("secret", ("s.txt", b"secret", ""))])
    url = f"/api/files/docs/{rec['id']}/{rec['secret']}"
    assert (await api.request("GET", url)).status_code == 404
    assert (await api.request("GET", url + f"?token={token}")).status_code == 404  # an auth token is not one
    r = await api.request("POST", "/api/files/token")
    assert r.status_code == 401
    r = await api.request("POST", "/api/files/token", token=token)
    assert r.status_code == 200
    file_token = r.json()["token"]
    import jwt

    claims = jwt.decode(file_token, options={"verify_signature": False})
    assert claims["type"] == "file" and claims["id"] == user["id"] and "refreshable" not in claims
    got = await api.request("GET", url + f"?token={file_token}")
    assert got.status_code == 200 and got.content == b"secret"
    assert got.headers["cache-control"] == "private, no-cache"
    assert (await api.request("GET", url + f"?token={file_token}x")).status_code == 404


async def test_a_superusers_file_token_from_an_unlisted_address_counts_as_none(
    api: ApiClient, docs: dict[str, Any]
) -> None:
    await api.su("PATCH", "/api/collections/docs", json={"viewRule": "@request.auth.id != ''"})
    rec = await upload(api, [("secret", ("s.txt", b"secret", ""))])
    url = f"/api/files/docs/{rec['id']}/{rec['secret']}"
    file_token = (await api.su("POST", "/api/files/token")).json()["token"]
    assert (await api.request("GET", url + f"?token={file_token}")).status_code == 200
    r = await api.su("PATCH", "/api/settings", json={"superuserIPs": ["10.0.0.0/8"]})  # not 127.0.0.1
    assert r.status_code == 200
    assert (await api.request("GET", url + f"?token={file_token}")).status_code == 404  # as PocketBase


async def test_unprotected_files_ignore_the_view_rule(api: ApiClient, docs: dict[str, Any]) -> None:
    await api.su("PATCH", "/api/collections/docs", json={"viewRule": None})
    rec = await upload(api, [("many", ("t.txt", b"public", ""))])
    r = await api.request("GET", f"/api/files/docs/{rec['id']}/{rec['many'][0]}")
    assert r.status_code == 200 and r.content == b"public"  # as in PocketBase
