"""Concurrent PATCHes of one record lose nothing, against a real `bastion serve` (two worker
processes) over HTTP: `views+` increments all count, and PATCHes of different fields racing
each other both stay. PocketBase (one SQLite writer at a time) never loses either; on PostgreSQL
the update reads the stored row with `FOR UPDATE`, so a second update waits for the first to
commit and merges into the row it wrote (without the lock, both read the old row and the
second's full-row UPDATE overwrote the first's change)."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.serve_process import BASTION, serving

EMAIL, PASSWORD = "admin@example.com", "adminpass1234"
CLIENTS, PATCHES = 8, 15
ROUNDS = 30
HARD_STOP = 20.0  # seconds for each loop, whatever the server does
SUPERUSER: list[str] = []  # the served superuser's token, for the auth-record test


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A served Bastion (two workers) with a `counters` collection anyone may update unless its
    `a` is "blocked" (a rule that reads the record, so each update runs its condition too)."""
    data = tmp_path / "data"
    database = ("--db", database_url) if database_url else ()
    subprocess.run(
        [BASTION, "superuser", "upsert", EMAIL, PASSWORD, "--dir", str(data), *database],
        check=True,
        capture_output=True,
    )
    with (
        serving(data, args=(*database, "--workers", "2")) as (_, base),
        httpx.Client(base_url=base) as client,
    ):
        SUPERUSER.clear()
        token = client.post(
            "/api/collections/_superusers/auth-with-password", json={"identity": EMAIL, "password": PASSWORD}
        ).json()["token"]
        fields = [
            {"name": "views", "type": "number"},
            {"name": "a", "type": "text"},
            {"name": "b", "type": "text"},
        ]
        collection = {
            "name": "counters",
            "viewRule": "",
            "createRule": "",
            "updateRule": 'a != "blocked"',
            "fields": fields,
        }
        r = client.post("/api/collections", headers={"Authorization": token}, json=collection)
        assert r.status_code == 200, r.text
        r = client.patch("/api/settings", headers={"Authorization": token}, json={"batch": {"enabled": True}})
        assert r.status_code == 200, r.text
        SUPERUSER.append(token)
        yield base


async def _new_record(client: httpx.AsyncClient) -> str:
    r = await client.post("/api/collections/counters/records", json={"views": 0, "a": "", "b": ""})
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


async def test_concurrent_increments_all_count(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        record = await _new_record(client)
        url = f"/api/collections/counters/records/{record}"
        deadline = time.monotonic() + HARD_STOP
        answered: list[int] = []

        async def increment() -> None:
            for _ in range(PATCHES):
                if time.monotonic() > deadline:
                    return
                r = await client.patch(url, json={"views+": 1})
                assert r.status_code == 200, r.text
                answered.append(1)

        await asyncio.gather(*(increment() for _ in range(CLIENTS)))
        views = (await client.get(url)).json()["views"]
    assert len(answered) == CLIENTS * PATCHES, f"only {len(answered)} PATCHes within {HARD_STOP} s"
    assert views == len(answered), f"{len(answered) - views} of {len(answered)} increments lost"


async def test_concurrent_patches_of_different_fields_both_stay(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        record = await _new_record(client)
        url = f"/api/collections/counters/records/{record}"
        deadline = time.monotonic() + HARD_STOP
        lost: list[str] = []
        rounds = 0
        for i in range(ROUNDS):
            if time.monotonic() > deadline:
                break
            ra, rb = await asyncio.gather(
                client.patch(url, json={"a": f"a{i}"}), client.patch(url, json={"b": f"b{i}"})
            )
            assert (ra.status_code, rb.status_code) == (200, 200), (ra.text, rb.text)
            stored = (await client.get(url)).json()
            rounds += 1
            if (stored["a"], stored["b"]) != (f"a{i}", f"b{i}"):
                lost.append(f"round {i}: a={stored['a']!r} b={stored['b']!r}")
    assert rounds == ROUNDS, f"only {rounds} rounds within {HARD_STOP} s"
    assert not lost, f"{len(lost)} of {rounds} rounds lost a field: {lost[:5]}"


async def test_auth_records_written_together_in_any_order_never_deadlock(server: str) -> None:
    """Batches writing two users in opposite orders, racing single PATCHes of each: all succeed.
    On PostgreSQL every write to an auth record bumps one counter row (store/auth_version.py); the
    counter's lock is taken before any auth record's, so these transactions queue instead of each
    holding what the other waits for (PostgreSQL would abort one as a deadlock)."""
    headers = {"Authorization": SUPERUSER[0]}
    async with httpx.AsyncClient(base_url=server, timeout=15, headers=headers) as client:
        ids = []
        for name in ("first", "second"):
            r = await client.post(
                "/api/collections/users/records",
                json={
                    "email": f"{name}@example.com",
                    "password": "pass12345",
                    "passwordConfirm": "pass12345",
                },
            )
            assert r.status_code == 200, r.text
            ids.append(r.json()["id"])

        def patch(record: str, i: int) -> dict[str, object]:
            return {
                "method": "PATCH",
                "url": f"/api/collections/users/records/{record}",
                "body": {"name": f"n{i}"},
            }

        deadline = time.monotonic() + HARD_STOP
        failures: list[str] = []
        rounds = 0
        for i in range(10):
            if time.monotonic() > deadline:
                break
            answers = await asyncio.gather(
                client.post("/api/batch", json={"requests": [patch(ids[0], i), patch(ids[1], i)]}),
                client.post("/api/batch", json={"requests": [patch(ids[1], i), patch(ids[0], i)]}),
                client.patch(f"/api/collections/users/records/{ids[0]}", json={"name": f"s{i}"}),
                client.patch(f"/api/collections/users/records/{ids[1]}", json={"name": f"s{i}"}),
            )
            failures += [
                f"round {i}: {r.status_code} {r.text[:200]}" for r in answers if r.status_code != 200
            ]
            rounds += 1
    assert rounds == 10, f"only {rounds} rounds within {HARD_STOP} s"
    assert not failures, failures
