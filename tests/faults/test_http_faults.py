"""What a client sees when PostgreSQL fails under Bastion: 503 with Retry-After in PocketBase's
error shape, within the configured timeouts, recovery when the database is back, `/api/ready`
following the database while `/api/health` stays up, and a bounded log.

Every test drives the real App over ASGI against a private server (conftest.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bastion.config import Config
from tests.conftest import ApiClient
from tests.faults.conftest import FAST, HANG_GUARD, api_on, assert_unavailable
from tests.faults.pg_private import PrivatePostgres

NOTES = "/api/collections/notes/records"


@pytest.fixture
async def pg_api(private_pg: PrivatePostgres, tmp_path: Path) -> AsyncIterator[ApiClient]:
    config = Config(
        data_dir=tmp_path / "data",
        database_url=private_pg.url,
        db_connect_timeout=FAST.connect,
        db_acquire_timeout=FAST.acquire,
        db_statement_timeout=FAST.statement,
        db_ready_timeout=1.0,
    )
    async with api_on(config) as api:
        try:
            yield api
        finally:
            if private_pg.frozen:
                private_pg.thaw()


async def answers(*calls: Any) -> list[httpx.Response]:
    """The responses; the hang guard fails the test if one never comes."""
    return list(await asyncio.wait_for(asyncio.gather(*calls), HANG_GUARD))


def faulty_requests(api: ApiClient) -> list[Any]:
    """A read, a view, a write and a signed-in health check: each needs the database."""
    note = api.note  # type: ignore[attr-defined]
    return [
        api.request("GET", NOTES),
        api.request("GET", f"{NOTES}/{note['id']}"),
        api.request("POST", NOTES, json={"t": "new"}),
        api.su("GET", "/api/health"),
        api.su("GET", "/api/collections"),
    ]


async def assert_recovered(api: ApiClient) -> None:
    ready = await api.request("GET", "/api/ready")
    assert ready.status_code == 200 and ready.json() == {"code": 200, "data": {}, "message": "API is ready."}
    assert (await api.request("GET", NOTES)).json()["totalItems"] >= 1
    assert (await api.request("POST", NOTES, json={"t": "after"})).status_code == 200


async def test_a_stopped_database_answers_503_and_ready_follows_it(pg_api, private_pg):
    assert (await pg_api.request("GET", "/api/ready")).status_code == 200
    await asyncio.to_thread(private_pg.stop)
    for r in await answers(*faulty_requests(pg_api)):
        assert_unavailable(r)
    assert_unavailable(await pg_api.request("GET", "/api/ready"))
    head = await pg_api.request("HEAD", "/api/ready")
    assert head.status_code == 503 and head.headers["retry-after"]
    problem = await pg_api.request("GET", NOTES, headers={"Accept": "application/problem+json"})
    assert problem.status_code == 503 and problem.json()["status"] == 503
    # Liveness stays shallow: a token-less probe never waits on or fails with the database,
    # also when the periodic schema check (once a second) is due.
    for _ in range(2):
        health = await pg_api.request("GET", "/api/health")
        assert health.status_code == 200 and health.json()["message"] == "API is healthy."
        await asyncio.sleep(1.1)
    await asyncio.to_thread(private_pg.start)
    await assert_recovered(pg_api)


async def test_a_frozen_database_answers_503_within_the_timeouts_then_recovers(pg_api, private_pg):
    private_pg.freeze()
    responses = await answers(*faulty_requests(pg_api), pg_api.request("GET", "/api/ready"))
    for r in responses:
        assert_unavailable(r)
    health = await answers(pg_api.request("GET", "/api/health"))
    assert health[0].status_code == 200
    private_pg.thaw()
    await assert_recovered(pg_api)


async def test_requests_right_after_pg_terminate_backend_succeed(pg_api, private_pg):
    note = pg_api.note
    for _ in range(3):
        await private_pg.terminate_backends()
        listed, viewed = await answers(
            pg_api.request("GET", NOTES), pg_api.request("GET", f"{NOTES}/{note['id']}")
        )
        assert listed.status_code == 200 and viewed.status_code == 200
        await private_pg.terminate_backends()
        created = await pg_api.request("POST", NOTES, json={"t": "written"})  # a transaction: BEGIN retried
        assert created.status_code == 200, created.text
        await private_pg.terminate_backends()
        assert (await pg_api.su("GET", "/api/health")).status_code == 200


async def test_an_outage_logs_one_line_per_kind_of_fault_not_a_traceback_per_request(
    pg_api, private_pg, caplog: pytest.LogCaptureFixture
):
    await asyncio.to_thread(private_pg.stop)
    with caplog.at_level(logging.INFO, logger="bastion"):
        for _ in range(10):
            for r in await answers(*faulty_requests(pg_api)):
                assert r.status_code == 503
    ours = [r for r in caplog.records if r.name.startswith("bastion") and r.name != "bastion.access"]
    assert not [r for r in ours if r.exc_info], [r.getMessage() for r in ours if r.exc_info]
    faults = [r for r in ours if r.name == "bastion.db"]
    assert faults and "cannot connect to PostgreSQL" in faults[0].getMessage()
    assert len(faults) <= 3, [r.getMessage() for r in faults]  # 50 failed requests
    assert len(ours) <= 8, [r.getMessage() for r in ours]
    await asyncio.to_thread(private_pg.start)
