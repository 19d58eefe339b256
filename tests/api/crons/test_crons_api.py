"""GET /api/crons and POST /api/crons/{id}, as PocketBase 0.40 answers them (checked against the
binary): the built-in jobs in its order, 401/403/404 with its messages, a run that happens."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bastion.config import Config
from tests.conftest import FORBIDDEN, UNAUTHORIZED, ApiClient, signed_in_api

BUILT_IN = [
    {"id": "__pbDBOptimize__", "expression": "0 0 * * *"},
    {"id": "__pbMFACleanup__", "expression": "0 * * * *"},
    {"id": "__pbOTPCleanup__", "expression": "0 * * * *"},
    {"id": "__pbLogsCleanup__", "expression": "0 */6 * * *"},
]


async def test_a_superuser_lists_the_built_in_crons_in_pocketbases_order(api: ApiClient) -> None:
    r = await api.su("GET", "/api/crons")
    assert r.status_code == 200
    assert r.json() == BUILT_IN
    r = await api.su("GET", "/api/crons", params={"fields": "id"})
    assert r.json() == [{"id": c["id"]} for c in BUILT_IN]


async def test_crons_the_app_adds_come_first_sorted_by_id(api: ApiClient) -> None:
    async def nothing() -> None:
        return None

    api.app.crons.add("zeta", "*/5 * * * *", nothing)
    api.app.crons.add("alpha", "@daily", nothing)
    r = await api.su("GET", "/api/crons")
    assert r.json() == [
        {"id": "alpha", "expression": "@daily"},
        {"id": "zeta", "expression": "*/5 * * * *"},
        *BUILT_IN,
    ]


async def test_anonymous_and_user_callers_are_refused_as_pocketbase(api: ApiClient) -> None:
    _, user_token = await api.create_user("cron-user@example.com")
    for method, url in (
        ("GET", "/api/crons"),
        ("POST", "/api/crons/__pbDBOptimize__"),
        ("POST", "/api/crons/nope"),
    ):
        r = await api.request(method, url)
        assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
        r = await api.request(method, url, token=user_token)
        assert (r.status_code, r.json()) == (403, FORBIDDEN)


async def test_running_an_unknown_cron_is_404(api: ApiClient) -> None:
    r = await api.su("POST", "/api/crons/nope")
    assert (r.status_code, r.json()) == (
        404,
        {"data": {}, "message": "Missing or invalid cron job.", "status": 404},
    )


async def test_running_a_cron_runs_it_now(api: ApiClient) -> None:
    ran = asyncio.Event()

    async def mark() -> None:
        ran.set()

    api.app.crons.add("mine", "0 0 1 1 *", mark)  # not due for months
    r = await api.su("POST", "/api/crons/mine")
    assert (r.status_code, r.content) == (204, b"")
    async with asyncio.timeout(20):
        await ran.wait()


async def test_running_a_built_in_cron_works(api: ApiClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="bastion.cron")
    for cron in BUILT_IN:
        r = await api.su("POST", f"/api/crons/{cron['id']}")
        assert r.status_code == 204

    async def all_done() -> bool:
        return (await api.app.jobs.counts())["done"] >= len(BUILT_IN)

    async with asyncio.timeout(20):
        while not await all_done():
            await asyncio.sleep(0.05)
    assert (await api.app.jobs.counts())["dead"] == 0
    assert [r.getMessage() for r in caplog.records if r.name == "bastion.cron"] == []  # none failed


async def test_a_process_that_runs_no_jobs_still_queues_a_run(database_url: str, tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path / "data", database_url=database_url, jobs_concurrency=0)
    async with signed_in_api(config) as api:
        r = await api.su("POST", "/api/crons/__pbDBOptimize__")
        assert r.status_code == 204
        (job,) = await api.app.jobs.list_jobs()
        assert (job.kind, job.status) == ("cron:__pbDBOptimize__", "queued")  # for another process
