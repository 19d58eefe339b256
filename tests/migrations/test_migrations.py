"""Migrations: collections changed through the API with automigrate on become files that, applied
to an empty second data directory, give the same collections; `down` restores the schema before;
a failing migration rolls back whole and `serve` refuses to start naming it; a `migrate
collections` snapshot rebuilds the collections exactly."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bastion import migrations
from bastion.cli.main import main
from bastion.config import Config
from bastion.migrations import MigrationError
from tests.conftest import ApiClient, fresh_pg_schema, signed_in_api
from tests.support.serve_process import BASTION, free_port


def schema(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Collections by name as GET /api/collections lists them, without their dates (and a view's
    field ids, which are inferred afresh from its query)."""
    out = {}
    for c in items:
        kept = {k: v for k, v in c.items() if k not in ("created", "updated")}
        if kept["type"] == "view":
            kept["fields"] = [{k: v for k, v in f.items() if k != "id"} for f in kept["fields"]]
        if "oauth2" in kept:  # each server's own: not in the files
            kept["oauth2"] = {k: v for k, v in kept["oauth2"].items() if k != "providers"}
        out[kept["name"]] = kept
    return out


async def collections(api: ApiClient) -> dict[str, dict[str, Any]]:
    r = await api.su("GET", "/api/collections?perPage=500")
    assert r.status_code == 200, r.text
    return schema(r.json()["items"])


@asynccontextmanager
async def other_database(backend: str) -> AsyncIterator[str]:
    """The database URL of a second, empty data store ("" for SQLite in its data directory)."""
    if backend == "sqlite":
        yield ""
        return
    async with fresh_pg_schema() as url:
        yield url


async def ok(api: ApiClient, method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = await api.su(method, url, json=body)
    assert r.status_code in (200, 204), r.text
    return r.json() if r.status_code == 200 else {}  # type: ignore[no-any-return]


@pytest.mark.postgres
async def test_automigrate_round_trip_and_down(backend: str, database_url: str, tmp_path: Path) -> None:
    files = tmp_path / "bastion_migrations"
    first = Config(
        data_dir=tmp_path / "a", database_url=database_url, migrations_dir=str(files), automigrate="on"
    )
    async with signed_in_api(first) as api:
        users = (await api.su("GET", "/api/collections/users")).json()
        posts = await ok(
            api,
            "POST",
            "/api/collections",
            {
                "name": "posts",
                "listRule": "",
                "viewRule": "published = true",
                "createRule": "@request.auth.id != ''",
                "fields": [
                    {"name": "title", "type": "text", "required": True, "max": 120},
                    {"name": "published", "type": "bool"},
                    {"name": "tags", "type": "select", "values": ["go", "py"], "maxSelect": 2},
                    {"name": "author", "type": "relation", "collectionId": users["id"], "maxSelect": 1},
                ],
                "indexes": ["CREATE INDEX idx_posts_title ON posts (title)"],
            },
        )
        await ok(
            api,
            "POST",
            "/api/collections",
            {
                "name": "members",
                "type": "auth",
                "listRule": "id = @request.auth.id",
                "fields": [{"name": "nickname", "type": "text"}],
                "passwordAuth": {"enabled": True, "identityFields": ["email"]},
            },
        )
        # OAuth2 providers are each server's own: no file, nothing of them in any file
        google = {"name": "google", "clientId": "client-id-1", "clientSecret": "client-secret-1"}
        await ok(api, "PATCH", "/api/collections/members", {"oauth2": {"providers": [google]}})
        await ok(
            api,
            "POST",
            "/api/collections",
            {
                "name": "comments",
                "fields": [
                    {"name": "body", "type": "editor"},
                    {"name": "post", "type": "relation", "collectionId": posts["id"], "cascadeDelete": True},
                ],
            },
        )
        await ok(
            api,
            "POST",
            "/api/collections",
            {
                "name": "post_titles",
                "type": "view",
                "listRule": "",
                "viewQuery": "SELECT id, published FROM posts",
            },
        )
        before_update = await collections(api)
        applied_before_update = len(list(files.iterdir()))
        # an update: a field renamed (kept by its id), one added, a rule and the indexes changed
        fields = [dict(f) for f in posts["fields"]]
        next(f for f in fields if f["name"] == "title")["name"] = "headline"
        fields.append({"name": "views", "type": "number", "min": 0})
        await ok(
            api,
            "PATCH",
            "/api/collections/posts",
            {
                "fields": fields,
                "listRule": "published = true",
                "indexes": ["CREATE UNIQUE INDEX idx_posts_headline ON posts (headline)"],
                "viewQuery": "",
            },
        )
        await ok(
            api, "PATCH", "/api/collections/post_titles", {"viewQuery": "SELECT id, headline FROM posts"}
        )
        await ok(
            api, "POST", "/api/collections", {"name": "scratch", "fields": [{"name": "n", "type": "number"}]}
        )
        await ok(api, "DELETE", "/api/collections/scratch")
        await ok(
            api,
            "PUT",
            "/api/collections/import",
            {"collections": [{"name": "tags", "fields": [{"name": "label", "type": "text"}]}]},
        )
        await ok(api, "PATCH", "/api/collections/posts", {})  # no change: no file
        final = await collections(api)
        written = sorted(p.name for p in files.iterdir())
        # created ×4, updated ×2, created + deleted scratch, created tags (the import)
        assert [n.split("_", 1)[1] for n in written] == [
            "created_posts.py",
            "created_members.py",
            "created_comments.py",
            "created_post_titles.py",
            "updated_posts.py",
            "updated_post_titles.py",
            "created_scratch.py",
            "deleted_scratch.py",
            "created_tags.py",
        ]
        assert not any("client-id-1" in (files / n).read_text() for n in written)
        # the server that made them has them applied already
        assert await migrations.pending(api.app, files) == []

    async with other_database(backend) as url:
        second = Config(data_dir=tmp_path / "b", database_url=url, migrations_dir=str(files))
        async with signed_in_api(second) as api:
            assert await migrations.up(api.app, files) == written
            assert await collections(api) == final
            # down: the last five (up to the update of posts) reverted, the last one first
            reverted = await migrations.down(api.app, files, len(written) - applied_before_update)
            assert reverted == written[applied_before_update:][::-1]
            assert await collections(api) == before_update
            assert await migrations.up(api.app, files) == written[applied_before_update:]
            assert await collections(api) == final


async def test_failing_migration_rolls_back_and_serve_refuses(tmp_path: Path) -> None:
    files = tmp_path / "bastion_migrations"
    files.mkdir()
    # a plain def: the blocking facade
    (files / "1700000000_notes.py").write_text(
        "def up(app):\n"
        "    app.collections.save({'name': 'notes', 'fields': [{'name': 'text', 'type': 'text'}]})\n"
        "    app.records.create('notes', {'text': 'first'})\n"
        "\n\ndef down(app):\n    app.collections.delete('notes')\n"
    )
    (files / "1700000001_broken.py").write_text(
        "async def up(app):\n"
        "    await app.collections.save({'name': 'half', 'fields': []})\n"
        "    await app.records.create('notes', {'text': 'second'})\n"
        "    await app.db.execute('UPDATE notes SET text = ?', ('changed',))\n"
        "    raise RuntimeError('boom in the middle')\n"
        "\n\nasync def down(app):\n    pass\n"
    )
    config = Config(data_dir=tmp_path / "data", migrations_dir=str(files))
    async with signed_in_api(config) as api:
        with pytest.raises(MigrationError) as failed:
            await migrations.up(api.app, files)
        assert failed.value.file == "1700000001_broken.py"
        assert "RuntimeError: boom in the middle" in str(failed.value)
        # the first one stays applied; nothing of the second: no collection, no table, no record change
        assert [p.name for p in await migrations.pending(api.app, files)] == ["1700000001_broken.py"]
        assert api.app.registry.find_collection("half") is None
        assert not await api.app.db.table_exists("half")
        r = await api.su("GET", "/api/collections/notes/records")
        assert [i["text"] for i in r.json()["items"]] == ["first"]

    r = subprocess.run(
        [BASTION, "serve", "--http", f"127.0.0.1:{free_port()}", "--dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # bastion_migrations beside the data directory: the default folder
    )
    assert r.returncode == 1
    assert "migration 1700000001_broken.py failed: RuntimeError: boom in the middle" in r.stderr
    assert "the server was not started" in r.stderr


def test_migrate_commands(tmp_path: Path) -> None:
    """`bastion migrate …` in this process (click's runner): create, up, down, a failing up,
    history-sync."""
    files = tmp_path / "bastion_migrations"
    where = ["--dir", str(tmp_path / "data"), "--migrationsDir", str(files)]
    cli = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = cli.invoke(
            main,
            ["migrate", *args, *where]
            if args[0] != "create"
            else ["migrate", *args, "--migrationsDir", str(files)],
        )
        assert result.exit_code == code, result.output
        return result.output

    made = Path(run("create", "Add notes!").split("Created ", 1)[1].strip())
    assert made.parent == files and made.name.endswith("_add_notes.py")
    text = made.read_text()
    assert (
        "async def up(app: MigrationApp) -> None:" in text
        and "async def down(app: MigrationApp) -> None:" in text
    )
    made.write_text(
        text.replace(
            "async def up(app: MigrationApp) -> None:\n    pass",
            "async def up(app: MigrationApp) -> None:\n    await app.collections.save({'name': 'notes'})",
        ).replace(
            "async def down(app: MigrationApp) -> None:\n    pass",
            "async def down(app: MigrationApp) -> None:\n    await app.collections.delete('notes')",
        )
    )
    assert run("up") == f"Applied {made.name}\n"
    assert run("up") == "No new migrations to apply.\n"
    assert run("down", "--yes") == f"Reverted {made.name}\n"
    (files / "9999999999_broken.py").write_text("def up(app):\n    app.collections.save({'name': ''})\n")
    out = run("up", code=1)
    assert f"Applied {made.name}" in out
    assert "Error: migration 9999999999_broken.py failed: Failed to create collection." in out
    (files / "9999999999_broken.py").unlink()
    made.unlink()
    assert run("history-sync") == f"Forgot {made.name}\nHistory synced (1 entries removed).\n"


async def test_collections_snapshot_rebuilds_the_schema(tmp_path: Path) -> None:
    files = tmp_path / "snap"
    async with signed_in_api(Config(data_dir=tmp_path / "a")) as api:
        users = (await api.su("GET", "/api/collections/users")).json()
        await ok(api, "PATCH", "/api/collections/users", {"listRule": "id = @request.auth.id"})
        posts = await ok(
            api,
            "POST",
            "/api/collections",
            {
                "name": "posts",
                "listRule": "",
                "fields": [
                    {"name": "title", "type": "text"},
                    {"name": "owner", "type": "relation", "collectionId": users["id"], "maxSelect": 1},
                ],
                "indexes": ["CREATE INDEX idx_title ON posts (title)"],
            },
        )
        await ok(
            api,
            "POST",
            "/api/collections",
            {"name": "likes", "fields": [{"name": "post", "type": "relation", "collectionId": posts["id"]}]},
        )
        # users → posts → users: the snapshot lists users first, before posts exists
        fields = [*users["fields"], {"name": "pinned", "type": "relation", "collectionId": posts["id"]}]
        await ok(api, "PATCH", "/api/collections/users", {"fields": fields, "viewRule": "pinned.title != ''"})
        await ok(
            api,
            "POST",
            "/api/collections",
            {"name": "titles", "type": "view", "viewQuery": "SELECT id, title FROM posts"},
        )
        made = await migrations.snapshot(api.app, files)
        assert await migrations.pending(api.app, files) == []  # it describes this database
        expected = await collections(api)

    async with signed_in_api(Config(data_dir=tmp_path / "b")) as api:
        await ok(api, "POST", "/api/collections", {"name": "leftover"})  # not in the snapshot: deleted
        assert await migrations.up(api.app, files) == [made.name]
        assert await collections(api) == expected


async def test_the_docs_worked_example_goes_up_and_down(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "migrations.md").read_text()
    example = doc.split("## The file format, with a worked example", 1)[1].split("```python\n", 1)[1]
    files = tmp_path / "bastion_migrations"
    files.mkdir()
    (files / "1733220000_posts.py").write_text(example.split("```", 1)[0])
    async with signed_in_api(Config(data_dir=tmp_path / "data")) as api:
        before = await collections(api)
        assert await migrations.up(api.app, files) == ["1733220000_posts.py"]
        r = await api.su("GET", "/api/collections/posts/records")
        assert [(i["title"], i["slug"]) for i in r.json()["items"]] == [("Hello", "hello")]
        assert (await collections(api))["users"]["listRule"] == "id = @request.auth.id && verified = true"
        assert await migrations.down(api.app, files) == ["1733220000_posts.py"]
        assert await collections(api) == before


@pytest.mark.postgres
async def test_two_processes_applying_at_once_apply_each_file_once(database_url: str, tmp_path: Path) -> None:
    """Nodes starting together on one database: every file runs once, neither fails."""
    files = tmp_path / "bastion_migrations"
    files.mkdir()
    for n in range(3):
        (files / f"170000000{n}_t{n}.py").write_text(
            f"async def up(app):\n    await app.collections.save({{'name': 't{n}'}})\n"
            f"    await app.db.execute('CREATE TABLE once_{n} (x INTEGER)')\n"
            "\n\nasync def down(app):\n    pass\n"
        )
    config = Config(data_dir=tmp_path / "data", database_url=database_url)
    async with signed_in_api(config) as one, signed_in_api(config) as two:
        done = await asyncio.gather(migrations.up(one.app, files), migrations.up(two.app, files))
        assert sorted(done[0] + done[1]) == sorted(p.name for p in files.iterdir())
        assert await migrations.pending(one.app, files) == []
        for api in (one, two):
            assert {"t0", "t1", "t2"} <= {c.name for c in api.app.registry.all()}


@pytest.mark.postgres
async def test_automigrate_carries_the_search_option_up_and_down(
    backend: str, database_url: str, tmp_path: Path
) -> None:
    files = tmp_path / "bastion_migrations"
    first = Config(
        data_dir=tmp_path / "a", database_url=database_url, migrations_dir=str(files), automigrate="on"
    )
    async with signed_in_api(first) as api:
        notes = await ok(
            api, "POST", "/api/collections", {"name": "notes", "fields": [{"name": "title", "type": "text"}]}
        )
        await ok(api, "PATCH", "/api/collections/notes", {"search": {"fields": ["title"]}})
        fields = [dict(f) for f in notes["fields"]]
        next(f for f in fields if f["name"] == "title")["name"] = "headline"
        await ok(api, "PATCH", "/api/collections/notes", {"fields": fields})
        final = await collections(api)
        assert final["notes"]["search"] == {"fields": ["headline"], "language": "simple"}
        written = sorted(p.name for p in files.iterdir())

    async with other_database(backend) as url:
        second = Config(data_dir=tmp_path / "b", database_url=url, migrations_dir=str(files))
        async with signed_in_api(second) as api:
            assert await migrations.up(api.app, files) == written
            assert await collections(api) == final
            await ok(api, "POST", "/api/collections/notes/records", {"headline": "Hello search"})
            found = await ok(api, "GET", "/api/collections/notes/records?search=hello")
            assert found["totalItems"] == 1
            await migrations.down(api.app, files, 2)  # the rename, then the option
            assert "search" not in (await collections(api))["notes"]
            r = await api.su("GET", "/api/collections/notes/records?search=hello")
            assert r.status_code == 400
