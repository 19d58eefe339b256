"""Every Bastion process killed with SIGKILL in the middle of writes, with a broker sink that is
down when the writes begin and whose connections are cut after the restart: every acknowledged
write's event reaches the broker at least once, and copies of one change carry one event id.
On SQLite and PostgreSQL, 2 workers, over each broker (three pairs; all six on request).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, skip_or_fail
from tests.contract.sinks.brokers import HOST, PORTS, SAFETY_TIMEOUT, new_target, open_consumer, url
from tests.support.serve_process import BASTION, free_port, kill_group, spawn_in_own_group, wait_until_healthy
from tests.support.tcp_proxy import TcpProxy

REPO = Path(__file__).resolve().parents[3]
# 200 in the suite; the 1,000 with BASTION_CRASH_WRITES=1000
WRITES = int(os.environ.get("BASTION_CRASH_WRITES", "200"))
BROKER_UP_AT = WRITES * 3 // 10  # writes before it are made while the broker is down
KILL_AT = WRITES // 2
CUT_AT = WRITES * 3 // 4  # the sink's connections are cut here (after the restart)


def _env(sink: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),  # this checkout's code, whichever install the command is from
        "BASTION_EVENT_SINKS": json.dumps([sink]),
        "BASTION_LOG_ACCESS": "off",
        # the publishes the killed workers held are taken over 2 s past their timeout (not 15)
        "BASTION_JOBS_CLAIM_MARGIN": "2",
    }


# Each broker once, each database at least once: what the crash tests is the outbox on each
# database and the publisher of each broker (six pairs cost the suite ~95 s; set
# BASTION_CRASH_ALL_PAIRS=1 for all of them).
_PAIRS = [("sqlite", "rabbitmq"), ("postgres", "redis"), ("postgres", "nats")]
if os.environ.get("BASTION_CRASH_ALL_PAIRS") == "1":
    _PAIRS = [(db, broker) for db in ("sqlite", "postgres") for broker in sorted(PORTS)]


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("backend", "broker"), _PAIRS, indirect=["backend"])
async def test_kill_9_mid_writes_loses_no_acknowledged_event(database_url, tmp_path: Path, broker: str):
    target = new_target(broker)
    try:
        consumer = await asyncio.wait_for(open_consumer(broker, target), SAFETY_TIMEOUT)
    except Exception as exc:
        skip_or_fail(f"{broker} at {HOST}:{PORTS[broker]} is not reachable: {exc!r}")
    proxy = await TcpProxy(HOST, PORTS[broker]).start()
    await proxy.stop()  # down when the writes begin
    env = _env({"name": "crash", "url": url(broker, proxy.port), "target": target, "collections": ["posts"]})
    data_dir = tmp_path / "data"
    db = ["--db", database_url] if database_url else []
    subprocess.run(
        [BASTION, "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", str(data_dir), *db],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = spawn_in_own_group(data_dir, port, ("--workers", "2", *db), env)
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
            for n in range(WRITES):
                if n == BROKER_UP_AT:
                    await proxy.start()
                if n == KILL_AT:
                    kill_group(proc)
                    proc = spawn_in_own_group(
                        data_dir, port, ("--workers", "2", *db), env
                    )  # the same port: clients just retry
                    assert await asyncio.to_thread(wait_until_healthy, base, proc, 30)
                if n == CUT_AT:
                    await proxy.drop()
                try:
                    r = await client.post(
                        "/api/collections/posts/records", json={"title": f"t{n}"}, headers=auth
                    )
                except httpx.HTTPError:
                    continue  # not acknowledged: it may or may not have happened
                if r.status_code == 200:
                    acknowledged.append(r.json()["id"])
            assert len(acknowledged) >= WRITES - 5

            ids_by_record: dict[str, set[str]] = {}
            # bounded: jobs the killed processes held wait out their claim (timeout + margins),
            # and events retried while the broker was down wait out their back-off
            for _ in range(1800):
                ids_by_record = {}
                for event_id, body, _ in await consumer.received():
                    record_id = json.loads(body)["data"]["record"]["id"]
                    ids_by_record.setdefault(record_id, set()).add(event_id)
                if set(acknowledged) <= set(ids_by_record):
                    break
                await asyncio.sleep(0.1)
            missing = set(acknowledged) - set(ids_by_record)
            assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged writes never published"
    finally:
        kill_group(proc)
        await proxy.stop()
        await consumer.close()
    # one change, one event id: copies (a retry, a publish the killed process had in flight) share it
    assert all(len(ids) == 1 for ids in ids_by_record.values())
