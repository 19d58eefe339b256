"""SQLite's faults as a client sees them: a database locked by another process, a full disk.
Both answer 503 with Retry-After (never a 500 with a traceback per request), reads go on where
SQLite allows, and the database is usable again once the cause is gone."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bastion.config import Config
from tests.conftest import ApiClient
from tests.faults.conftest import api_on, assert_unavailable

NOTES = "/api/collections/notes/records"


@pytest.fixture
async def sqlite_api(tmp_path: Path) -> AsyncIterator[ApiClient]:
    async with api_on(Config(data_dir=tmp_path / "data", db_acquire_timeout=0.5)) as api:
        yield api


async def test_a_database_locked_by_another_process_answers_503_busy(
    sqlite_api, tmp_path, caplog: pytest.LogCaptureFixture
):
    other = sqlite3.connect(tmp_path / "data" / "data.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock (a backup, a script)
    try:
        with caplog.at_level(logging.INFO, logger="bastion"):
            for _ in range(5):
                created = await sqlite_api.request("POST", NOTES, json={"t": "blocked"})
                assert_unavailable(created)
                assert created.headers["retry-after"] == "1"
                assert created.json()["message"] == "The database is busy, please try again later."
            listed = await sqlite_api.request("GET", NOTES)  # WAL: readers are not blocked
            assert listed.status_code == 200 and listed.json()["totalItems"] == 1
            assert (await sqlite_api.request("GET", "/api/ready")).status_code == 200
    finally:
        other.execute("ROLLBACK")
        other.close()
    ours = [r for r in caplog.records if r.name.startswith("bastion") and r.name != "bastion.access"]
    assert not [r for r in ours if r.exc_info]
    assert [r.getMessage() for r in ours if r.name == "bastion.db"] == [
        "database busy: SQLite database is locked: database is locked"
    ]
    assert (await sqlite_api.request("POST", NOTES, json={"t": "free"})).status_code == 200


async def test_a_full_database_answers_503_and_is_writable_again_once_there_is_room(sqlite_api):
    writer = sqlite_api.app.db._writer  # type: ignore[attr-defined]
    pages = writer.execute("PRAGMA page_count").fetchone()[0]
    writer.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full: no page can be added
    try:
        for _ in range(100):  # until the free pages left in the file are used up
            r = await sqlite_api.request("POST", NOTES, json={"t": "x" * 5000})
            if r.status_code != 200:
                break
        assert_unavailable(r)
        stored = (await sqlite_api.request("GET", NOTES)).json()["totalItems"]
    finally:
        writer.execute("PRAGMA max_page_count = 1073741823")
    created = await sqlite_api.request("POST", NOTES, json={"t": "x" * 5000})
    assert created.status_code == 200, created.text
    assert (await sqlite_api.request("GET", NOTES)).json()["totalItems"] == stored + 1
