"""`bastion import-pocketbase`: a data folder made by the real PocketBase 0.40.6 binary (a
collection with a relation, a file and a JSON field, records, a user with a password, an uploaded
file) becomes a Bastion data directory that `bastion serve` serves: the records and the file
answered, the user and the superuser signing in with their PocketBase passwords. `bastion serve`
on the PocketBase folder itself refuses with a message naming the command."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from click.testing import CliRunner

from bastion.cli.main import main
from tests.compat.servers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    BASTION_BIN,
    POCKETBASE_BIN,
    start_server,
    stop_server,
)
from tests.conftest import skip_or_fail
from tests.support.serve_process import free_port

POSTS = {
    "name": "posts",
    "type": "base",
    "listRule": "",
    "viewRule": "",
    "fields": [
        {"name": "title", "type": "text", "required": True},
        {"name": "n", "type": "number"},
        {"name": "meta", "type": "json"},
        {"name": "doc", "type": "file", "maxSelect": 1, "maxSize": 1_000_000},
        {"name": "author", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
        {"name": "created", "type": "autodate", "onCreate": True},
    ],
    "indexes": ["CREATE INDEX idx_posts_title ON posts (title)"],
}


def _make_pocketbase_folder(root: Path) -> tuple[Path, list[dict[str, object]]]:
    server = start_server("pocketbase", POCKETBASE_BIN, root)
    try:
        base, auth = server.base_url, {"Authorization": server.superuser_token()}
        with httpx.Client(base_url=base, headers=auth, timeout=10) as http:
            posts_id = http.post("/api/collections", json=POSTS).json()["id"]
            # relations both ways (no creation order satisfies them) and a view over posts
            tags = {
                "name": "tags",
                "fields": [{"name": "post", "type": "relation", "collectionId": posts_id}],
            }
            tags_id = http.post("/api/collections", json=tags).json()["id"]
            fields = [*POSTS["fields"], {"name": "tag", "type": "relation", "collectionId": tags_id}]  # type: ignore[misc]
            assert http.patch("/api/collections/posts", json={"fields": fields}).status_code == 200
            view = {
                "name": "titles",
                "type": "view",
                "listRule": "",
                "viewQuery": "SELECT id, title FROM posts",
            }
            assert http.post("/api/collections", json=view).status_code == 200
            user = http.post(
                "/api/collections/users/records",
                json={
                    "email": "old@example.com",
                    "password": "old-password-1",
                    "passwordConfirm": "old-password-1",
                },
            ).json()
            posts = [
                http.post(
                    "/api/collections/posts/records",
                    data={"title": f"post {i}", "n": str(i), "meta": '{"k": [1, 2]}', "author": user["id"]},
                    files={"doc": ("note.txt", b"hello from pocketbase")} if i == 0 else None,
                ).json()
                for i in range(3)
            ]
            listed = http.get("/api/collections/posts/records", params={"sort": "id"}).json()["items"]
        assert len(listed) == 3 and posts[0]["doc"]
    finally:
        stop_server(server)
    return server.data_dir, listed


def test_import_pocketbase_folder(tmp_path: Path) -> None:
    if not POCKETBASE_BIN.exists():
        skip_or_fail(f"{POCKETBASE_BIN} is missing (the pocketbase-bin dev dependency)")
    pb_data, listed = _make_pocketbase_folder(tmp_path / "pb")
    runner = CliRunner()

    refused = subprocess.run(
        [str(BASTION_BIN), "serve", "--dir", str(pb_data), "--http", f"127.0.0.1:{free_port()}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "this is a PocketBase database" in refused.stderr and "bastion import-pocketbase" in refused.stderr

    target = tmp_path / "bastion"
    done = runner.invoke(main, ["import-pocketbase", str(pb_data), "--dir", str(target)])
    assert done.exit_code == 0, done.output
    assert "Imported 4 collections, 6 records and 1 files" in done.output  # + superuser, origin
    again = runner.invoke(main, ["import-pocketbase", str(pb_data), "--dir", str(target)])
    assert again.exit_code == 1 and "is not empty" in again.output
    assert (
        runner.invoke(main, ["import-pocketbase", str(pb_data), "--dir", str(target), "--force"]).exit_code
        == 0
    )

    server = start_server("bastion", BASTION_BIN, tmp_path / "serve", data_dir=target, upsert=False)
    try:
        with httpx.Client(base_url=server.base_url, timeout=10) as http:
            assert http.get("/api/collections/posts/records", params={"sort": "id"}).json()["items"] == listed
            first = next(p for p in listed if p["doc"])
            got = http.get(f"/api/files/{first['collectionId']}/{first['id']}/{first['doc']}")
            assert got.status_code == 200 and got.content == b"hello from pocketbase"
            signed = http.post(
                "/api/collections/users/auth-with-password",
                json={"identity": "old@example.com", "password": "old-password-1"},
            )
            assert signed.status_code == 200, signed.text
            assert signed.json()["record"]["id"] == first["author"]
            wrong = http.post(
                "/api/collections/users/auth-with-password",
                json={"identity": "old@example.com", "password": "not-the-password"},
            )
            assert wrong.status_code == 400
            admin = http.post(
                "/api/collections/_superusers/auth-with-password",
                json={"identity": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
            )
            assert admin.status_code == 200, admin.text
            schema = http.get(
                "/api/collections/posts", headers={"Authorization": admin.json()["token"]}
            ).json()
            assert schema["indexes"] == POSTS["indexes"]
            assert [f["name"] for f in schema["fields"]] == [
                "id",
                "title",
                "n",
                "meta",
                "doc",
                "author",
                "created",
                "tag",
            ]
            titles = http.get("/api/collections/titles/records", params={"sort": "id"}).json()["items"]
            assert [t["title"] for t in titles] == [p["title"] for p in listed]
    finally:
        stop_server(server)
