"""`bastion export` / `bastion import`: a round trip on SQLite and PostgreSQL gives back the same
records (ids, values, hidden fields, created/updated); bad rows are rejected with their reasons
while the good ones are kept; an interrupted import resumes after its last committed batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bastion.cli import record_io
from bastion.cli.main import main
from bastion.config import Config
from bastion.core.passwords import verify_password
from tests.conftest import ApiClient

SCHEMA = {
    "name": "items",
    "type": "base",
    "listRule": "",
    "fields": [
        {"name": "title", "type": "text", "required": True, "max": 40},
        {"name": "n", "type": "number"},
        {"name": "ok", "type": "bool"},
        {"name": "tags", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3},
        {"name": "meta", "type": "json"},
        {"name": "secret", "type": "text", "hidden": True},
        {"name": "created", "type": "autodate", "onCreate": True},
        {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
    ],
}


async def _truncate(api: ApiClient) -> None:
    collection = api.app.registry.find_collection("items")
    assert collection is not None
    async with api.app.transaction() as tx:
        await api.app.records.truncate(tx, collection)


@pytest.mark.postgres  # and SQLite: `api` runs on both backends
async def test_round_trip(api: ApiClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record_io, "PAGE_SIZE", 4)  # several pages of the keyset paging
    await api.create_collection(SCHEMA)
    for i in range(11):
        body = {
            "title": f'item {i}, "quoted"\nline',
            "n": i * 1.5,
            "ok": i % 2 == 0,
            "tags": ["a", "c"][: i % 3],
            "meta": {"i": i, "list": [1, None, "x"]} if i % 4 else None,
            "secret": f"s{i}",
        }
        await api.create_record("items", body)
    cfg = Config(data_dir=api.app.config.data_dir, database_url=api.app.config.database_url)

    for fmt in ("jsonl", "csv"):
        first = tmp_path / f"first.{fmt}"
        with first.open("w", encoding="utf-8", newline="") as out:
            assert await record_io.export_records(cfg, "items", out, fmt) == 11
        await _truncate(api)
        result = await record_io.import_records(cfg, "items", first, fmt, batch_size=3)
        assert (result.imported, result.updated, result.rejected, result.finished) == (11, 0, 0, True)
        again = tmp_path / f"again.{fmt}"
        with again.open("w", encoding="utf-8", newline="") as out:
            assert await record_io.export_records(cfg, "items", out, fmt) == 11
        assert again.read_text() == first.read_text()
        assert record_io.rejected_path(first).read_text() == ""

    rows = [json.loads(line) for line in (tmp_path / "first.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)  # id order
    assert {r["secret"] for r in rows} == {f"s{i}" for i in range(11)}  # hidden fields too
    assert {r["collectionName"] for r in rows} == {"items"}
    listed = (await api.su("GET", "/api/collections/items/records?perPage=50&sort=id")).json()["items"]
    assert rows == listed  # as the API answers a superuser

    filtered = tmp_path / "filtered.jsonl"
    with filtered.open("w", encoding="utf-8") as out:
        assert await record_io.export_records(cfg, "items", out, "jsonl", "ok = true && secret != 's4'") == 5


def _users(lines: list[str], path: Path) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_rejects_and_resume(tmp_path: Path) -> None:
    data = tmp_path / "data"
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, [*args, "--dir", str(data)])
        assert result.exit_code == code, result.output
        return result.output

    run("superuser", "upsert", "cli@example.com", "first-password-1")
    good = [
        json.dumps(
            {"id": f"user{i:011d}", "email": f"u{i}@example.com", "password": "password123", "name": f"U{i}"}
        )
        for i in range(12)
    ]
    lines = [*good[:2], '{"email": "nope", "password": "password123"}', *good[2:6], "{broken", *good[6:]]
    source = _users(lines, tmp_path / "users.jsonl")

    out = run("import", "users", str(source), "--batch-size", "4", "--stop-after", "1", code=1)
    assert "Imported 3, updated 0, rejected 1 (stopped after line 4" in out
    assert "line 3: email: Must be a valid email address." in out
    out = run("import", "users", str(source), "--batch-size", "4", "--resume", code=1)
    assert "Imported 12, updated 0, rejected 2." in out
    assert "line 8: row: invalid JSON" in out
    rejected = [json.loads(x) for x in record_io.rejected_path(source).read_text().splitlines()]
    assert [(r["line"], list(r["errors"])) for r in rejected] == [(3, ["email"]), (8, ["row"])]
    assert rejected[0]["row"]["email"] == "nope"
    assert "Imported 12, updated 0, rejected 2." in run("import", "users", str(source), "--resume", code=1)

    exported = run("export", "users", "--format", "csv")
    assert exported.count("@example.com") == 12 and exported.startswith("id,email,")

    changed = _users(
        [json.dumps({"id": "user00000000005", "name": "Five", "password": "password456"})],
        tmp_path / "changes.jsonl",
    )
    assert "rejected 1.\n  line 1: email: Cannot be blank." in run("import", "users", str(changed), code=1)
    assert "Imported 0, updated 1, rejected 0." in run("import", "users", str(changed), "--mode", "upsert")
    assert '"name":"Five"' in run("export", "users", "--filter", "id = 'user00000000005'")
    assert "Error: no collection 'nope'" in run("export", "nope", code=1)
    dated = _users(
        [json.dumps({"email": "d@example.com", "password": "password123", "created": "soon"})],
        tmp_path / "d.jsonl",
    )
    assert "line 1: created: Must be a valid date." in run("import", "users", str(dated), code=1)
    assert "d@example.com" not in run("export", "users")

    # --secrets: the password hashes and token keys go along, so the same logins work elsewhere
    with_secrets = tmp_path / "secrets.jsonl"
    run("export", "users", "--secrets", "--out", str(with_secrets))
    other = ["--dir", str(tmp_path / "other")]
    moved = runner.invoke(main, ["import", "users", str(with_secrets), *other])
    assert moved.exit_code == 0 and "Imported 12, updated 0, rejected 0." in moved.output, moved.output
    back = runner.invoke(main, ["export", "users", "--secrets", *other]).output
    assert back.splitlines() == with_secrets.read_text().splitlines()
    first = json.loads(back.splitlines()[0])
    assert verify_password("password123", first["password"]) and first["tokenKey"]
