"""The `db` fixture: one store `Database` per backend, so every contract test runs on SQLite and on
PostgreSQL (a fresh schema per test; a missing server skips, or fails under
BASTION_REQUIRE_SERVICES=1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bastion.store.database import Database
from tests.conftest import open_test_database

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with open_test_database(request.param, tmp_path) as database:
        yield database


async def make_table(db: Database, name: str = "t") -> None:
    """A table with one column of each type the store's callers use (the same SQL on both)."""
    await db.execute(
        f'CREATE TABLE "{name}" ("id" TEXT PRIMARY KEY NOT NULL, "s" TEXT, "n" BIGINT, "x" DOUBLE PRECISION)'
    )
