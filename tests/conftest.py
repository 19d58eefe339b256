"""Shared fixtures: a running Bastion App on SQLite and on PostgreSQL, driven in-process over ASGI.

`backend` is parametrised over both databases, so every API scenario runs on each. PostgreSQL tests
get a fresh schema per test (dropped afterwards); when the server is absent they skip with the
reason, unless BASTION_REQUIRE_SERVICES=1 (as in CI), where a missing service fails.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from bastion.api.asgi import create_asgi_app
from bastion.app import App
from bastion.config import Config
from bastion.store.database import Database, DatabaseTimeouts
from bastion.store.database_open import open_database
from bastion.store.postgres import PostgresDatabase

PG_DSN = os.environ.get("BASTION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SUPERUSER_EMAIL = "admin@example.com"
SUPERUSER_PASSWORD = "adminpass1234"


def require_services() -> bool:
    return os.environ.get("BASTION_REQUIRE_SERVICES") == "1"


async def _pg_available() -> str | None:
    try:
        conn = await asyncpg.connect(PG_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {PG_DSN} is not reachable: {exc}"
    await conn.close()
    return None


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@asynccontextmanager
async def fresh_pg_schema() -> AsyncIterator[str]:
    """A PostgreSQL URL on a new, empty schema, dropped afterwards (skips when PostgreSQL is absent)."""
    problem = await _pg_available()
    if problem:
        if require_services():
            pytest.fail(problem)
        pytest.skip(problem)
    schema = "bt_" + secrets.token_hex(6)
    conn = await asyncpg.connect(PG_DSN)
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    await conn.close()
    try:
        yield f"{PG_DSN}?search_path={schema}"
    finally:
        conn = await asyncpg.connect(PG_DSN)
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield ""
        return
    async with fresh_pg_schema() as url:
        yield url


@asynccontextmanager
async def open_test_database(
    backend: str, tmp_path: Path, timeouts: DatabaseTimeouts | None = None, **pg_pool: int
) -> AsyncIterator[Database]:
    """A store `Database` of `backend` ("sqlite": a new file under tmp_path; "postgres": a fresh
    schema), closed afterwards. `pg_pool` (min_size, max_size) sizes PostgreSQL's pool."""
    if backend == "sqlite":
        db = await open_database(None, tmp_path / f"db_{secrets.token_hex(3)}", timeouts)
        try:
            yield db
        finally:
            await db.close()
        return
    async with fresh_pg_schema() as url:
        db = await PostgresDatabase.connect(url, timeouts=timeouts, **pg_pool)
        try:
            yield db
        finally:
            await db.close()


class ApiClient:
    """An httpx client bound to one App, plus the superuser's token and small helpers."""

    def __init__(self, app: App, client: httpx.AsyncClient) -> None:
        self.app = app
        self.http = client
        self.superuser_token = ""

    async def request(self, method: str, url: str, token: str | None = None, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = token
        return await self.http.request(method, url, headers=headers, **kw)

    async def su(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return await self.request(method, url, token=self.superuser_token, **kw)

    async def create_collection(self, data: dict[str, Any]) -> dict[str, Any]:
        r = await self.su("POST", "/api/collections", json=data)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def create_record(
        self, collection: str, data: dict[str, Any], token: str | None = None
    ) -> dict[str, Any]:
        r = await self.request(
            "POST", f"/api/collections/{collection}/records", token=token or self.superuser_token, json=data
        )
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def create_user(
        self, email: str, password: str = "userpass123", **extra: Any
    ) -> tuple[dict[str, Any], str]:
        rec = await self.create_record(
            "users", {"email": email, "password": password, "passwordConfirm": password, **extra}
        )
        r = await self.request(
            "POST",
            "/api/collections/users/auth-with-password",
            json={"identity": email, "password": password},
        )
        assert r.status_code == 200, r.text
        return rec, r.json()["token"]


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[ApiClient]:
    config = Config(data_dir=tmp_path / "data", database_url=database_url)
    app = await App(config).start()
    asgi = create_asgi_app(app, manage_lifecycle=False)
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        api_client = ApiClient(app, client)
        from bastion.cli.superusers import upsert_superuser_in

        await upsert_superuser_in(app, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        r = await client.post(
            "/api/collections/_superusers/auth-with-password",
            json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
        )
        assert r.status_code == 200, r.text
        api_client.superuser_token = r.json()["token"]
        try:
            yield api_client
        finally:
            await app.stop()
