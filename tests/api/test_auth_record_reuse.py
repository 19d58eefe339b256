"""The auth record behind a token is read again only once it may have changed (a write to an
auth collection's table, counted by triggers, store/auth_version.py), and a change made anywhere,
by another worker or outside Bastion, is seen by the very next request."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest

from bastion.store import postgres
from tests.conftest import client_from, second_app


async def test_a_password_changed_on_another_worker_ends_the_old_token_here(api: Any) -> None:
    user, token = await api.create_user("reuse@example.com", name="Reuse")
    own = f"/api/collections/users/records/{user['id']}"
    for _ in range(3):  # kept after the first
        r = await api.request("GET", own, token=token)
        assert r.status_code == 200, r.text
    async with second_app(api) as other, client_from(other, "127.0.0.2") as client:
        changed = await client.patch(
            own,
            headers={"Authorization": api.superuser_token},
            json={"password": "another-pass-1", "passwordConfirm": "another-pass-1"},
        )
        assert changed.status_code == 200, changed.text
    # the old token's key is gone: the caller is a guest, and users' viewRule admits only oneself
    r = await api.request("GET", own, token=token)
    assert r.status_code == 404, r.text


async def test_a_name_changed_by_another_worker_reaches_the_next_answer(api: Any) -> None:
    user, token = await api.create_user("rename@example.com", name="Before")
    r = await api.request("POST", "/api/collections/users/auth-refresh", token=token)
    assert r.json()["record"]["name"] == "Before"
    async with second_app(api) as other, client_from(other, "127.0.0.2") as client:
        changed = await client.patch(
            f"/api/collections/users/records/{user['id']}",
            headers={"Authorization": api.superuser_token},
            json={"name": "After"},
        )
        assert changed.status_code == 200, changed.text
    r = await api.request("POST", "/api/collections/users/auth-refresh", token=token)
    assert r.status_code == 200, r.text
    assert r.json()["record"]["name"] == "After"


async def test_sqlite_reads_the_auth_record_once_while_nothing_commits(api: Any) -> None:
    user, token = await api.create_user("once@example.com")
    db = api.app.db
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL: see test_postgres_reads_the_auth_record_again_only_after_…")
    reads: list[str] = []
    db._reader.set_trace_callback(lambda sql: reads.append(sql) if '"users"' in sql else None)
    try:
        for i in range(4):  # each with its own query string, so no answer is kept whole
            url = f"/api/collections/users/records/{user['id']}?n={i}"
            r = await api.request("GET", url, token=token)
            assert r.status_code == 200, r.text
    finally:
        db._reader.set_trace_callback(None)
    # each request reads the viewed record (api/answer_cache.py keeps answers by query string);
    # the token's record is read by the first one only
    assert len(reads) == 4 + 1, reads


@asynccontextmanager
async def users_reads(api: Any, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[str]]:
    """The statements that read a `users` record by id (the token's record), as they are sent."""
    reads: list[str] = []
    db = api.app.db
    if db.dialect == "sqlite":  # the statement as run, its parameters written in
        db._reader.set_trace_callback(
            lambda sql: reads.append(sql) if 'FROM "users" AS "__r" WHERE ("__r"."id" = ' in sql else None
        )
        yield reads
        db._reader.set_trace_callback(None)
        return
    original = postgres._Conn.fetch_all

    async def watching(self: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        if 'FROM "users" AS "__r" WHERE ("__r"."id" = ?)' in sql:
            reads.append(sql)
        return await original(self, sql, params)

    monkeypatch.setattr(postgres._Conn, "fetch_all", watching)
    yield reads
    monkeypatch.setattr(postgres._Conn, "fetch_all", original)


async def test_the_auth_record_is_read_again_only_after_an_auth_record_is_written(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.create_collection(
        {"name": "notes", "type": "base", "fields": [{"name": "text", "type": "text"}],
         "listRule": "@request.auth.id != ''", "viewRule": "@request.auth.id != ''",
         "createRule": "@request.auth.id != ''"}
    )  # fmt: skip
    user, token = await api.create_user("kept@example.com", name="Kept")
    other, _ = await api.create_user("other@example.com")
    note = await api.create_record("notes", {"text": "a"})
    async with users_reads(api, monkeypatch) as reads:
        for _ in range(3):
            r = await api.request("GET", f"/api/collections/notes/records/{note['id']}", token=token)
            assert r.status_code == 200, r.text
        assert len(reads) == 1, reads  # the first request's, then kept
        # a write to another collection (SQLite: a commit, so the next request reads the stamp
        # again) leaves it kept ...
        r = await api.request("POST", "/api/collections/notes/records", token=token, json={"text": "b"})
        assert r.status_code == 200, r.text
        r = await api.request("GET", "/api/collections/notes/records", token=token)
        assert r.status_code == 200 and r.json()["totalItems"] == 2, r.text
        assert len(reads) == 1, reads
        # ... a write to any auth record (here another user's) makes the next request read it again
        r = await api.su("PATCH", f"/api/collections/users/records/{other['id']}", json={"name": "x"})
        assert r.status_code == 200, r.text
        reads.clear()
        r = await api.request("GET", f"/api/collections/notes/records/{note['id']}", token=token)
        assert r.status_code == 200, r.text
        assert len(reads) == 1, reads


async def test_a_token_key_changed_outside_bastion_ends_the_old_token(api: Any) -> None:
    """An operator's SQL (no Bastion code involved) that rotates a user's tokenKey signs the user
    out on the next request, however often the record was read before."""
    user, token = await api.create_user("outside@example.com")
    own = f"/api/collections/users/records/{user['id']}"
    for _ in range(3):
        r = await api.request("GET", own, token=token)
        assert r.status_code == 200, r.text
    update = 'UPDATE "users" SET "tokenKey" = \'rotated-by-hand\' WHERE "id" = '
    url = api.app.config.database_url
    if url:
        conn = await asyncpg.connect(url.split("?")[0], server_settings={"search_path": url.split("=")[-1]})
        try:
            await conn.execute(update + "$1", user["id"])
        finally:
            await conn.close()
    else:
        with sqlite3.connect(api.app.config.data_dir / "data.db") as conn:
            conn.execute(update + "?", (user["id"],))
    r = await api.request("GET", own, token=token)
    assert r.status_code == 404, r.text  # a guest now: users' viewRule admits only oneself
    r = await api.request("POST", "/api/collections/users/auth-refresh", token=token)
    assert r.status_code == 401, r.text


def _sqlite_covered(path: Any) -> list[str]:
    """The tables of the SQLite file at `path` whose every kind of write bumps the counter."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT tbl_name, group_concat(name) FROM sqlite_master WHERE type = 'trigger' "
            "AND name GLOB 'bastion_auth_*' AND instr(sql, 'bastion_auth_version') GROUP BY tbl_name"
        ).fetchall()
    events = ("INSERT", "UPDATE", "DELETE")
    return sorted(t for t, names in rows if all(f"bastion_auth_{e}_" in names for e in events))


async def test_auth_collections_get_the_counting_triggers(api: Any) -> None:
    """New auth collections get them with their table, a renamed one keeps them, a new one
    under the old name gets its own; a database without them (an older Bastion's) gets them at
    the next start."""
    members = await api.create_collection({"name": "members", "type": "auth", "fields": []})
    url = api.app.config.database_url
    if not url:
        path = api.app.config.data_dir / "data.db"
        assert _sqlite_covered(path) == ["_superusers", "members", "users"]
        r = await api.su("PATCH", f"/api/collections/{members['id']}", json={"name": "crew"})
        assert r.status_code == 200, r.text
        await api.create_collection({"name": "members", "type": "auth", "fields": []})
        assert _sqlite_covered(path) == ["_superusers", "crew", "members", "users"]
        with sqlite3.connect(path) as conn:
            (name,) = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'users' "
                "AND name GLOB 'bastion_auth_UPDATE_*'"
            ).fetchone()
            conn.execute(f'DROP TRIGGER "{name}"')
        assert _sqlite_covered(path) == ["_superusers", "crew", "members"]
        async with second_app(api):
            pass
        assert _sqlite_covered(path) == ["_superusers", "crew", "members", "users"]
        return
    schema = url.split("=")[-1]
    conn = await asyncpg.connect(url.split("?")[0])
    try:
        covered = (
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 AND t.tgname = 'bastion_auth_records_changed' ORDER BY 1"
        )
        assert [r[0] for r in await conn.fetch(covered, schema)] == ["_superusers", "members", "users"]
        await conn.execute(f'DROP TRIGGER "bastion_auth_records_changed" ON "{schema}"."users"')
        async with second_app(api):
            pass
        assert [r[0] for r in await conn.fetch(covered, schema)] == ["_superusers", "members", "users"]
    finally:
        await conn.close()
