"""Shared fixtures: a running Bastion App on SQLite and on PostgreSQL, driven in-process over ASGI.

`backend` is parametrised over both databases, so every API scenario runs on each. PostgreSQL tests
get a fresh schema per test (dropped afterwards); when the server is absent they skip with the
reason, unless BASTION_REQUIRE_SERVICES=1 (as in CI), where a missing service fails.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher, Type

from bastion.api.asgi import create_asgi_app
from bastion.app import App
from bastion.config import Config
from bastion.core import passwords
from bastion.store.database import Database, DatabaseTimeouts
from bastion.store.database_open import open_database
from bastion.store.job_queue import any_due
from bastion.store.postgres import PostgresDatabase

if TYPE_CHECKING:
    from tests.support.smtp_server import SmtpSink

# Fixtures every folder may use, defined beside their harness: the local S3 server (moto); and the
# differential summary, printed by the process that reports (the controller, under pytest-xdist).
pytest_plugins = ["tests.support.s3_server", "tests.support.diff_summary"]

PG_DSN = os.environ.get("BASTION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SUPERUSER_EMAIL = "admin@example.com"
SUPERUSER_PASSWORD = "adminpass1234"

# PocketBase's answers to a superuser-only route called without a token, and with a user's
UNAUTHORIZED = {
    "data": {},
    "message": "The request requires valid record authorization token.",
    "status": 401,
}
FORBIDDEN = {
    "data": {},
    "message": "The authorized record is not allowed to perform this action.",
    "status": 403,
}


def require_services() -> bool:
    return os.environ.get("BASTION_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip a test whose service, tool or binary is missing here, saying which; under
    BASTION_REQUIRE_SERVICES=1 (CI) fail instead, so a missing service is never a silent pass."""
    if require_services():
        pytest.fail(f"{reason} (BASTION_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def importorskip_or_fail(module: str, reason: str) -> Any:
    """`pytest.importorskip` for a test-only dependency, except under BASTION_REQUIRE_SERVICES=1,
    where a missing one fails."""
    if require_services():
        return importlib.import_module(module)
    return pytest.importorskip(module, reason=reason)


async def _pg_available() -> str | None:
    try:
        conn = await asyncpg.connect(PG_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {PG_DSN} is not reachable: {exc}"
    await conn.close()
    return None


# argon2id at the production parameters (19 MiB, 2 passes) costs 20-60 ms of CPU per hash on this
# machine, and an API test's setup hashes and verifies several passwords (the superuser's, each
# user's): most of tests/api's setup time. In-process, tests hash with the same algorithm at the
# smallest cost instead, as Django's test settings do; servers run as subprocesses, and the tests
# marked `real_password_hashing` (the parameters themselves), keep the production cost.
_QUICK_HASHER = PasswordHasher(
    time_cost=1, memory_cost=8, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)


@pytest.fixture(autouse=True)
def _quick_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_password_hashing") is None:
        monkeypatch.setattr(passwords, "_hasher", _QUICK_HASHER)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@asynccontextmanager
async def fresh_pg_schema() -> AsyncIterator[str]:
    """A PostgreSQL URL on a new, empty schema, dropped afterwards (skips when PostgreSQL is absent)."""
    problem = await _pg_available()
    if problem:
        skip_or_fail(problem)
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


class FakeClock:
    """Seconds since the epoch that only move when a test says so."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


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


@asynccontextmanager
async def signed_in_api(config: Config, **app_kwargs: Any) -> AsyncIterator[ApiClient]:
    """An App started on `config` (more App arguments in `app_kwargs`, e.g. `ephemeral=`), its
    API over ASGI, signed in as the superuser; the App stops at the end."""
    from bastion.cli.superusers import upsert_superuser_in

    app = await App(config, **app_kwargs).start()
    try:
        transport = httpx.ASGITransport(app=create_asgi_app(app, manage_lifecycle=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            api_client = ApiClient(app, client)
            await upsert_superuser_in(app, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
            r = await client.post(
                "/api/collections/_superusers/auth-with-password",
                json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
            )
            assert r.status_code == 200, r.text
            api_client.superuser_token = r.json()["token"]
            yield api_client
    finally:
        await app.stop()


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[ApiClient]:
    async with signed_in_api(Config(data_dir=tmp_path / "data", database_url=database_url)) as client:
        yield client


@asynccontextmanager
async def second_app(api: ApiClient) -> AsyncIterator[App]:
    """Another App on the same database and data directory with the default configuration, as a
    second worker or node would be (started after the test's setup, so it reads the same schema
    and settings)."""
    other = await App(
        Config(data_dir=api.app.config.data_dir, database_url=api.app.config.database_url)
    ).start()
    try:
        yield other
    finally:
        await other.stop()


@asynccontextmanager
async def client_from(app: App, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another client of `app` (any App, e.g. a `second_app`), connecting from `ip`."""
    transport = httpx.ASGITransport(app=create_asgi_app(app, manage_lifecycle=False), client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on a free port, collecting what it receives."""
    importorskip_or_fail("aiosmtpd", "aiosmtpd (the test SMTP server) is not installed")
    from tests.support.smtp_server import SmtpSink

    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()


async def settle_jobs(app: App, timeout: float = 15.0) -> None:
    """Wait until none of `app`'s job kinds has a job due or running (bounded): the mail a
    request queued has been sent, or its attempt failed and waits for a retry."""
    deadline = time.monotonic() + timeout
    while True:
        due = await any_due(app.db, list(app.jobs.kinds), now=time.time())
        if not due and (await app.jobs.counts())["running"] == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"jobs still due or running after {timeout} s")
        await asyncio.sleep(0.02)


@pytest.fixture
async def mail_api(api: ApiClient, smtp: SmtpSink) -> AsyncIterator[ApiClient]:
    """The `api` client with SMTP settings aimed at `smtp`. Mail leaves through the job queue
    (docs/jobs.md): every answer is returned once the jobs it queued have run, so a test reads
    the inbox right after a request, as a user would a moment later."""
    r = await api.su("PATCH", "/api/settings", json=smtp.settings_patch())
    assert r.status_code == 200, r.text

    async def settle(_response: httpx.Response) -> None:
        await settle_jobs(api.app)

    api.http.event_hooks["response"].append(settle)
    yield api
