"""One SQLite file hammered from 2 worker processes (issue #13, "workers by default"): several
clients send mixed reads and writes for a few seconds; there must be no error (no 5xx, no
"database is locked", nothing but the answer a single server gives) and no lost acknowledged
write (every acknowledged create is there afterwards, with the value of its last acknowledged
update).

Each client owns the records it creates, so the last acknowledged update of a record is well
defined. The run is bounded (HAMMER_SECONDS); the figures (operations, per kind, per second) are
printed, never asserted. `single` (one worker) is the control. This passes today: SQLite writes
begin IMMEDIATE under a busy timeout (db_acquire_timeout), so a second process waits for the
write lock instead of failing; it guards that while workers become the default.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest

from tests.cluster.cluster_harness import RunningCluster, settle, superuser_headers
from tests.cluster.scenario import collection_is_there, new_name, public_collection

HAMMER_SECONDS = 4.0
CLIENTS = 8
LOCKED = "database is locked"


@dataclass
class ClientLog:
    """What one client was told: acknowledged values per record, and every error."""

    values: dict[str, int] = field(default_factory=dict)  # record id -> last acknowledged value
    uncertain: set[str] = field(default_factory=set)  # an update failed: its value is unknown
    errors: list[str] = field(default_factory=list)
    ops: Counter[str] = field(default_factory=Counter)


def hammer(cluster: RunningCluster, name: str, seed: int, stop_at: float) -> ClientLog:
    log = ClientLog()
    rng = random.Random(seed)
    path = f"/api/collections/{name}/records"
    # a new connection per request on every shape, so the figures compare
    with cluster.client(limits=httpx.Limits(max_keepalive_connections=0)) as client:
        while time.monotonic() < stop_at:
            owned = [rid for rid in log.values if rid not in log.uncertain]
            kind = rng.choice(("create", "update", "view", "list")) if owned else "create"
            value = rng.randrange(1_000_000)
            rid = rng.choice(owned) if owned else ""
            try:
                if kind == "create":
                    r = client.post(path, json={"title": f"c{seed}", "value": value})
                elif kind == "update":
                    r = client.patch(f"{path}/{rid}", json={"value": value})
                elif kind == "view":
                    r = client.get(f"{path}/{rid}")
                else:
                    r = client.get(
                        path, params={"filter": f"value >= {value}", "sort": "-value", "perPage": 20}
                    )
            except httpx.HTTPError as exc:
                log.errors.append(f"{kind}: {exc!r}")
                if kind == "update":
                    log.uncertain.add(rid)
                continue
            log.ops[kind] += 1
            if r.status_code != 200 or LOCKED in r.text:
                log.errors.append(f"{kind}: {r.status_code} {r.text[:200]}")
                if kind == "update":
                    log.uncertain.add(rid)
            elif kind == "create":
                log.values[r.json()["id"]] = value
            elif kind == "update":
                log.values[rid] = value
            elif kind == "view" and r.json()["value"] != log.values[rid]:
                log.errors.append(f"view: {rid} read {r.json()['value']}, last written {log.values[rid]}")
    return log


def stored_values(cluster: RunningCluster, name: str) -> dict[str, int]:
    su = superuser_headers(cluster)
    found: dict[str, int] = {}
    with cluster.client(headers=su) as client:
        page = 1
        while True:
            r = client.get(
                f"/api/collections/{name}/records",
                params={"page": page, "perPage": 500, "fields": "id,value", "skipTotal": 1},
            )
            assert r.status_code == 200, r.text
            items = r.json()["items"]
            found.update((item["id"], item["value"]) for item in items)
            if len(items) < 500:
                return found
            page += 1


@pytest.mark.parametrize("shape", ["single", "workers"])
def test_two_workers_on_one_sqlite_file_lose_nothing(shape, request):
    cluster: RunningCluster = request.getfixturevalue(f"{shape}_cluster")
    su = superuser_headers(cluster)
    name = new_name("hammer")
    body = public_collection(name)
    body["fields"].append({"name": "value", "type": "number"})
    with cluster.client(headers=su) as client:
        assert client.post("/api/collections", json=body).status_code == 200
    settle(cluster, collection_is_there(name, su))

    logs: list[ClientLog] = [ClientLog() for _ in range(CLIENTS)]
    stop_at = time.monotonic() + HAMMER_SECONDS

    def run(i: int) -> None:
        logs[i] = hammer(cluster, name, i, stop_at)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HAMMER_SECONDS + 60)

    ops = sum((log.ops for log in logs), Counter())
    errors = [e for log in logs for e in log.errors]
    stored = stored_values(cluster, name)
    acknowledged = {rid: v for log in logs for rid, v in log.values.items()}
    uncertain = {rid for log in logs for rid in log.uncertain}
    lost = sorted(rid for rid in acknowledged if rid not in stored)
    wrong = sorted(
        f"{rid}: {stored[rid]} != {v}"
        for rid, v in acknowledged.items()
        if rid in stored and rid not in uncertain and stored[rid] != v
    )
    print(
        f"\n{shape}: {sum(ops.values())} operations in {HAMMER_SECONDS:.0f} s from {CLIENTS} clients "
        f"({dict(ops)}), {len(errors)} errors, {len(lost)} lost, {len(wrong)} wrong values"
    )
    assert errors == [], f"{len(errors)} errors, e.g. {Counter(e[:60] for e in errors).most_common(5)}"
    assert lost == [] and wrong == []
