"""The auth record behind a token is read once per commit (SQLite: store/read_cache.py), and a
change made anywhere, by another worker included, is seen by the very next request."""

from __future__ import annotations

from typing import Any

import pytest

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
        pytest.skip("PostgreSQL keeps no answers between requests (store/read_cache.py)")
    reads: list[str] = []
    db._reader.set_trace_callback(lambda sql: reads.append(sql) if '"users"' in sql else None)
    try:
        for _ in range(4):
            r = await api.request("GET", f"/api/collections/users/records/{user['id']}", token=token)
            assert r.status_code == 200, r.text
    finally:
        db._reader.set_trace_callback(None)
    # each request reads the viewed record; the token's record is read by the first one only
    assert len(reads) == 4 + 1, reads
