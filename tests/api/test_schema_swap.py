"""Requests keep working while the schema changes under them (issue #12: the reload cleared the
registry and then awaited the database, so concurrent requests saw 404 "Missing collection
context." and 500s about missing system collections).

Clients sign in, list and create records without pause while another task creates, alters and
deletes a collection over and over; every answer must be a 200. Every request checks the version
stamp and reloads the schema when it moved, as each worker does in production. Each run is
bounded in time (a few seconds).

The window only opens where reading the schema suspends the event loop: on PostgreSQL. SQLite
runs statements inline, so those runs pass on the old code too; they hold the same promise.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx

from bastion.api.asgi import create_asgi_app
from bastion.app import App

RUN_SECONDS = 2.5
CLIENTS = 4
PASSWORD = "userpass123"


async def _prepare(api) -> None:
    await api.create_collection(
        {
            "name": "notes",
            "listRule": "",
            "viewRule": "",
            "createRule": "",
            "fields": [{"name": "title", "type": "text"}],
        }
    )
    for i in range(CLIENTS):
        await api.create_record(
            "users", {"email": f"u{i}@example.com", "password": PASSWORD, "passwordConfirm": PASSWORD}
        )


@asynccontextmanager
async def _worker(api) -> AsyncIterator[httpx.AsyncClient]:
    """A client of another App on the fixture's database (another worker process or node), its
    auth rate-limit baseline off: the clients sign in far more often than a person would."""
    config = dataclasses.replace(api.app.config, ratelimit_auth_baseline=False)
    app = await App(config).start()
    try:
        asgi = create_asgi_app(app, manage_lifecycle=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://w2") as client:
            yield client
    finally:
        await app.stop()


async def _change_schema_repeatedly(client: httpx.AsyncClient, token: str, stop: asyncio.Event) -> int:
    """Create, alter and delete a scratch collection until told to stop; returns the changes made."""

    async def su(method: str, url: str, **kw: object) -> httpx.Response:
        return await client.request(method, url, headers={"Authorization": token}, **kw)  # type: ignore[arg-type]

    changes = 0
    while not stop.is_set():
        created = await su(
            "POST", "/api/collections", json={"name": "scratch", "fields": [{"name": "a", "type": "text"}]}
        )
        assert created.status_code == 200, created.text
        altered = await su(
            "PATCH",
            "/api/collections/scratch",
            json={"fields": [*created.json()["fields"], {"name": "b", "type": "number"}]},
        )
        assert altered.status_code == 200, altered.text
        deleted = await su("DELETE", "/api/collections/scratch")
        assert deleted.status_code == 204, deleted.text
        # the notes collection itself changes too (its rules; no column changes under a write)
        rule = "" if changes % 8 else "id != ''"
        ruled = await su("PATCH", "/api/collections/notes", json={"listRule": rule})
        assert ruled.status_code == 200, ruled.text
        changes += 4
        await asyncio.sleep(0)
    return changes


async def _hammer(client: httpx.AsyncClient, i: int, stop: asyncio.Event, seen: Counter[str]) -> None:
    calls: list[Callable[[], Awaitable[httpx.Response]]] = [
        lambda: client.post(
            "/api/collections/users/auth-with-password",
            json={"identity": f"u{i}@example.com", "password": PASSWORD},
        ),
        lambda: client.get("/api/collections/notes/records"),
        lambda: client.post("/api/collections/notes/records", json={"title": f"t{i}"}),
    ]
    while not stop.is_set():
        for call in calls:
            r = await call()
            seen[str(r.status_code)] += 1
            if r.status_code != 200:
                seen[f"{r.status_code} {r.json().get('message')}"] += 1
            await asyncio.sleep(0)  # on SQLite nothing in a request suspends: let the others run


async def _run(changer: httpx.AsyncClient, token: str, client: httpx.AsyncClient) -> tuple[Counter[str], int]:
    stop = asyncio.Event()
    seen: Counter[str] = Counter()
    hammers = [asyncio.create_task(_hammer(client, i, stop, seen)) for i in range(CLIENTS)]
    changes = asyncio.create_task(_change_schema_repeatedly(changer, token, stop))
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline and not changes.done() and not any(h.done() for h in hammers):
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*hammers)
    return seen, await changes


def _assert_all_answered(seen: Counter[str], changes: int) -> None:
    failures = {k: v for k, v in seen.items() if k != "200"}
    assert changes >= 4 and seen["200"] >= 3 * CLIENTS
    assert failures == {}, f"{failures} in {seen['200']} answers while {changes} schema changes ran"


async def test_requests_never_fail_while_the_schema_changes(api):
    await _prepare(api)
    async with _worker(api) as client:
        seen, changes = await _run(client, api.superuser_token, client)
    _assert_all_answered(seen, changes)


async def test_another_worker_never_fails_while_the_schema_changes(api):
    """The schema changes through one App while requests go to a second App on the same database,
    which reloads when the version stamp says the schema changed, as another worker process or node does."""
    await _prepare(api)
    async with _worker(api) as client:
        seen, changes = await _run(api.http, api.superuser_token, client)
    _assert_all_answered(seen, changes)


async def test_a_failing_import_is_never_seen_by_other_requests(api):
    """An import that fails half-way changed nothing: a collection it created on the way is never
    served (it was put in the live registry before commit: a 500 on PostgreSQL, whose other
    connections cannot see the uncommitted table)."""
    stop = asyncio.Event()
    seen: Counter[str] = Counter()
    ghost = {"name": "ghost", "listRule": "", "fields": [{"name": "t", "type": "text"}]}

    async def import_and_fail() -> int:
        attempts = 0
        while not stop.is_set():
            r = await api.su(
                "PUT", "/api/collections/import", json={"collections": [ghost, {"name": "bad name!"}]}
            )
            assert r.status_code == 400, r.text
            attempts += 1
            await asyncio.sleep(0)
        return attempts

    async def ask() -> None:
        while not stop.is_set():
            r = await api.http.get("/api/collections/ghost/records")
            seen[f"{r.status_code} {r.json().get('message')}"] += 1
            await asyncio.sleep(0)  # on SQLite nothing in a request suspends: let the others run

    askers = [asyncio.create_task(ask()) for _ in range(CLIENTS)]
    importer = asyncio.create_task(import_and_fail())
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline and not importer.done() and not any(a.done() for a in askers):
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*askers)
    attempts = await importer
    assert attempts >= 1
    assert set(seen) == {"404 Missing collection context."}, f"{dict(seen)} during {attempts} imports"
