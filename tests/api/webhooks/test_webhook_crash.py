"""Every Bastion process killed with SIGKILL in the middle of writes whose receiver fails each
delivery's first two attempts, then restarted: every acknowledged write's event is delivered at
least once, and the copies of one event all carry the same `webhook-id`."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD
from tests.support.serve_process import BASTION, free_port, kill_group, spawn_in_own_group, wait_until_healthy

REPO = Path(__file__).resolve().parents[3]
# 200 in the suite (a minute a database); the 1,000 with BASTION_CRASH_WRITES=1000
WRITES = int(os.environ.get("BASTION_CRASH_WRITES", "200"))
KILL_AFTER = WRITES // 2


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),  # this checkout's code, whichever install the command is from
        "BASTION_WEBHOOKS_ALLOW_PRIVATE": "1",
        "BASTION_WEBHOOKS_TIMEOUT": "1",
        "BASTION_WEBHOOKS_RETRY_DELAY": "0.1",
        "BASTION_WEBHOOKS_MAX_ATTEMPTS": "20",
        # the deliveries the killed workers held are taken over 2 s past their timeout (not 15)
        "BASTION_JOBS_CLAIM_MARGIN": "2",
        "BASTION_LOG_ACCESS": "off",
    }


@pytest.mark.timeout(300)
async def test_kill_9_mid_writes_loses_no_acknowledged_event(database_url, tmp_path: Path, receiver):
    receiver.fail_first = 2
    data_dir = tmp_path / "data"
    db = ["--db", database_url] if database_url else []
    subprocess.run(
        [BASTION, "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", str(data_dir), *db],
        env=_env(),
        check=True,
        capture_output=True,
        timeout=60,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = spawn_in_own_group(data_dir, port, ("--workers", "2", *db), _env())
    acknowledged: list[str] = []
    try:
        assert await asyncio.to_thread(wait_until_healthy, base, proc, 30)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            r = await client.post(
                "/api/collections/_superusers/auth-with-password",
                json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
            )
            auth = {"Authorization": r.json()["token"]}
            r = await client.post(
                "/api/collections",
                json={"name": "posts", "fields": [{"name": "title", "type": "text"}]},
                headers=auth,
            )
            assert r.status_code == 200, r.text
            r = await client.post(
                "/api/collections/_webhooks/records",
                json={"url": receiver.url, "collections": ["posts"], "active": True},
                headers=auth,
            )
            assert r.status_code == 200, r.text
            receiver.secret = r.json()["secret"]
            for n in range(WRITES):
                if n == KILL_AFTER:
                    kill_group(proc)
                    proc = spawn_in_own_group(
                        data_dir, port, ("--workers", "2", *db), _env()
                    )  # the same port: clients just retry
                    assert await asyncio.to_thread(wait_until_healthy, base, proc, 30)
                try:
                    r = await client.post(
                        "/api/collections/posts/records", json={"title": f"t{n}"}, headers=auth
                    )
                except httpx.HTTPError:
                    continue  # not acknowledged: it may or may not have happened
                if r.status_code == 200:
                    acknowledged.append(r.json()["id"])
            assert len(acknowledged) >= WRITES - 5

            def all_delivered() -> bool:
                delivered = {d.record["id"] for d in receiver.deliveries if d.answered == 200}
                return set(acknowledged) <= delivered

            async def wait() -> None:
                # bounded: jobs the killed processes held wait out their claim (timeout + margins)
                for _ in range(1800):
                    if all_delivered():
                        return
                    await asyncio.sleep(0.1)

            await wait()
            missing = set(acknowledged) - {d.record["id"] for d in receiver.deliveries if d.answered == 200}
            assert not missing, f"{len(missing)} acknowledged writes never delivered"
    finally:
        kill_group(proc)
    ids_per_record: dict[str, set[str]] = {}
    for d in receiver.deliveries:
        assert d.verified
        ids_per_record.setdefault(d.record["id"], set()).add(d.webhook_id)
    # duplicates (a retry, a delivery the killed process had in flight) keep their webhook-id
    assert all(len(ids) == 1 for ids in ids_per_record.values())
