"""GET /api/jobs, GET /api/jobs/stats and POST /api/jobs/{id}/retry: what a superuser sees of the
job queue (SQLite and PostgreSQL), never a payload's secrets, and a dead job retried to done."""

from __future__ import annotations

import asyncio
from typing import Any

from bastion.jobs import Job, PermanentJobError
from bastion.jobs.webhooks.route import DELIVER
from tests.conftest import FORBIDDEN, UNAUTHORIZED, ApiClient

IDLE = "test.idle"  # a kind no process runs: its jobs stay queued
HOUR = 3600.0
NOT_FOUND = {"data": {}, "message": "The requested resource wasn't found.", "status": 404}


async def enqueue(api: ApiClient, kind: str, payload: dict[str, Any], *, delay: float = 0.0) -> None:
    await api.app.jobs.enqueue(api.app.db, kind, payload, delay=delay)
    await asyncio.sleep(0.01)  # the next job is created in a later millisecond: a known order


async def wait_for_status(api: ApiClient, kind: str, status: str) -> dict[str, Any]:
    """The first job of `kind` once it has `status` (bounded)."""
    async with asyncio.timeout(20):
        while True:
            r = await api.su("GET", "/api/jobs", params={"kind": kind, "status": status})
            if r.json()["items"]:
                return r.json()["items"][0]  # type: ignore[no-any-return]
            await asyncio.sleep(0.05)


async def test_only_a_superuser_may_see_or_retry_jobs(api: ApiClient) -> None:
    _, user_token = await api.create_user("jobs-user@example.com")
    for method, url in (("GET", "/api/jobs"), ("GET", "/api/jobs/stats"), ("POST", "/api/jobs/nope/retry")):
        r = await api.request(method, url)
        assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
        r = await api.request(method, url, token=user_token)
        assert (r.status_code, r.json()) == (403, FORBIDDEN)


async def test_jobs_are_listed_newest_first_in_pages_and_filtered(api: ApiClient) -> None:
    for n in range(3):
        await enqueue(api, IDLE, {"n": n})
    await enqueue(api, "test.other", {})

    r = await api.su("GET", "/api/jobs", params={"kind": IDLE, "perPage": 2})
    assert r.status_code == 200
    page1 = r.json()
    assert {k: page1[k] for k in ("page", "perPage", "totalItems", "totalPages")} == {
        "page": 1,
        "perPage": 2,
        "totalItems": 3,
        "totalPages": 2,
    }
    first = page1["items"][0]
    assert set(first) == {
        "id", "kind", "status", "attempts", "maxAttempts", "runAt", "lastError", "payload", "created", "updated",
    }  # fmt: skip
    assert (first["kind"], first["status"], first["attempts"], first["lastError"]) == (IDLE, "queued", 0, "")
    assert first["runAt"].endswith("Z") and first["created"] <= first["runAt"]
    page2 = (await api.su("GET", "/api/jobs", params={"kind": IDLE, "perPage": 2, "page": 2})).json()
    listed = [*page1["items"], *page2["items"]]
    assert len({job["id"] for job in listed}) == 3
    assert [job["created"] for job in listed] == sorted((job["created"] for job in listed), reverse=True)

    r = await api.su("GET", "/api/jobs", params={"status": "queued"})
    assert {job["kind"] for job in r.json()["items"]} >= {IDLE, "test.other"}
    r = await api.su("GET", "/api/jobs", params={"status": "dead", "kind": IDLE})
    assert (r.json()["totalItems"], r.json()["items"]) == (0, [])
    r = await api.su("GET", "/api/jobs", params={"fields": "kind", "kind": "test.other"})
    assert r.json()["items"] == [{"kind": "test.other"}]  # the fields picker, as on every list


async def test_a_bad_status_or_page_is_a_400(api: ApiClient) -> None:
    r = await api.su("GET", "/api/jobs", params={"status": "lost"})
    assert r.status_code == 400
    assert r.json()["message"].startswith("Invalid job status")
    r = await api.su("GET", "/api/jobs", params={"page": "one"})
    assert r.status_code == 400


async def test_a_payload_shows_only_what_its_kind_is_known_to_keep_free_of_secrets(api: ApiClient) -> None:
    secret_record = {"data": {"collection": "users", "record": {"email": "a@example.com", "token": "s3cret"}}}
    # delayed an hour: still queued while the test reads it
    await enqueue(api, DELIVER, {"webhook": "wh1", "id": "evt1", "body": secret_record}, delay=HOUR)
    await enqueue(api, "mail.send", {"to": "a@example.com", "link": "https://x/?token=s3cret"}, delay=HOUR)
    r = await api.su("GET", "/api/jobs", params={"status": "queued"})
    assert "s3cret" not in r.text
    shown = {job["kind"]: job["payload"] for job in r.json()["items"]}
    assert shown[DELIVER] == {"webhook": "wh1", "id": "evt1"}
    assert shown["mail.send"] is None


async def test_stats_count_each_status_and_failed_retries(api: ApiClient) -> None:
    failures = 0

    async def fail_once(job: Job) -> None:
        nonlocal failures
        if job.attempt == 1:
            failures += 1
            raise RuntimeError("receiver said no")
        await asyncio.Event().wait()  # the second attempt stays running until the test ends

    await enqueue(api, IDLE, {})
    base = (await api.su("GET", "/api/jobs/stats")).json()
    assert set(base) == {"queued", "running", "done", "dead", "failed"}
    api.app.jobs.register("test.flaky", fail_once, backoff=lambda attempt: HOUR)
    await enqueue(api, "test.flaky", {})
    failed = await wait_for_status(api, "test.flaky", "failed")
    assert (failed["status"], failed["attempts"], failed["lastError"]) == ("queued", 1, "receiver said no")
    stats = (await api.su("GET", "/api/jobs/stats")).json()
    assert stats["failed"] == base["failed"] + 1
    assert stats["queued"] == base["queued"] + 1  # a failed job is queued again


async def test_a_dead_job_shows_its_error_and_is_retried_to_done(api: ApiClient) -> None:
    async def doomed_then_fine(job: Job) -> None:
        if job.payload.get("doomed"):
            raise PermanentJobError("the receiver is gone")

    api.app.jobs.register("test.doomed", doomed_then_fine)
    await enqueue(api, "test.doomed", {"doomed": True})
    dead = await wait_for_status(api, "test.doomed", "dead")
    assert dead["lastError"] == "the receiver is gone"
    assert (await api.su("GET", "/api/jobs/stats")).json()["dead"] >= 1

    async def fine(job: Job) -> None:
        return None

    api.app.jobs.register("test.doomed", fine)  # the cause is fixed: a retry succeeds
    r = await api.su("POST", f"/api/jobs/{dead['id']}/retry")
    assert r.status_code == 200
    assert (r.json()["id"], r.json()["attempts"]) == (dead["id"], 0)
    assert r.json()["status"] in ("queued", "running", "done")
    done = await wait_for_status(api, "test.doomed", "done")
    assert done["id"] == dead["id"]

    r = await api.su("POST", f"/api/jobs/{dead['id']}/retry")  # done, not dead
    assert (r.status_code, r.json()["message"]) == (400, "Only a dead job can be retried.")
    r = await api.su("POST", "/api/jobs/missing123/retry")
    assert (r.status_code, r.json()) == (404, NOT_FOUND)


async def test_a_manual_cron_run_is_listed_with_its_payload(api: ApiClient) -> None:
    async def nothing() -> None:
        return None

    api.app.crons.add("report", "0 0 1 1 *", nothing)
    r = await api.su("POST", "/api/crons/report")
    assert r.status_code == 204
    done = await wait_for_status(api, "cron:report", "done")
    assert (done["payload"], done["attempts"], done["maxAttempts"]) == ({"manual": True}, 1, 1)
