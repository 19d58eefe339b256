"""Fixtures for database fault tests: a private PostgreSQL cluster per test (pg_private.py), which
the test may stop, freeze, cut off and restart without touching the shared server."""

from __future__ import annotations

import gc
import shutil
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from bastion.config import Config
from bastion.store.database import DatabaseTimeouts
from tests.conftest import ApiClient, signed_in_api, skip_or_fail
from tests.faults.pg_private import PrivatePostgres, init_template, pg_bin

# Short enough that a test waits seconds, long enough that a loaded machine never trips them
# while the database is healthy.
FAST = DatabaseTimeouts(connect=2.0, acquire=3.0, statement=3.0)
# No hang guard in a test is a timing assertion: each bounds a wait that, without the fix, lasts
# as long as the fault (forever: the test ends the fault only after the answers arrive).
HANG_GUARD = 30.0


@pytest.fixture(scope="session")
def pg_template() -> Iterator[Path]:
    if pg_bin("initdb") is None or pg_bin("postgres") is None:
        skip_or_fail("PostgreSQL server binaries (initdb, postgres) are not installed")
    template = init_template()
    try:
        yield template
    finally:
        shutil.rmtree(template.parent, ignore_errors=True)


@pytest.fixture
def private_pg(pg_template: Path) -> Iterator[PrivatePostgres]:
    pg = PrivatePostgres(pg_template)
    pg.start()
    try:
        yield pg
    finally:
        pg.destroy()
        # A connection the fault left unclosable (the server was killed under it) is finalised
        # here, its "unclosed connection" ResourceWarning expected and dropped; left to a later
        # collection it would fail whichever test of this worker happens to run then.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


@asynccontextmanager
async def api_on(config: Config) -> AsyncIterator[ApiClient]:
    """The API over ASGI on `config`'s database, signed in as superuser, with a public `notes`
    collection holding one record (`api.note`)."""
    async with signed_in_api(config) as api:
        rules = {k: "" for k in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}
        await api.create_collection({"name": "notes", **rules, "fields": [{"name": "t", "type": "text"}]})
        api.note = await api.create_record("notes", {"t": "kept"})  # type: ignore[attr-defined]
        yield api


def assert_unavailable(r: httpx.Response) -> None:
    """503 in PocketBase's error shape, with a Retry-After."""
    assert r.status_code == 503, (r.status_code, r.text)
    assert int(r.headers["retry-after"]) >= 1
    body = r.json()
    assert body["status"] == 503 and body["data"] == {}
    assert "try again later" in body["message"]
