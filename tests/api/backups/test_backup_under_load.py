"""A backup taken while writers are busy is one consistent moment of the database.

Writers send `/api/batch` requests in a loop, each one write of three records in two collections
(two `events` rows carrying the writer's next sequence number and that writer's `counters` row
set to it), while `POST /api/backups` runs. The backup is then restored and must hold, for every
writer, exactly the batches 0..k for some k: each batch whole or absent (no torn write), no gap,
every batch acknowledged before the backup began present and none begun after it ended. The
writers must meet no error and no stall while it runs. On SQLite the archive's data.db also passes
`PRAGMA integrity_check`; on PostgreSQL the same holds of pg_dump's snapshot.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bastion.config import Config
from tests.api.backups.conftest import open_database_from
from tests.conftest import ApiClient, signed_in_api

WRITERS = 4
LOAD_SECONDS = 1.0  # of writes before the backup starts, and again after it ends
HARD_STOP = 20.0  # the writers stop by then whatever happens
STALL = 5.0  # one write waiting longer than this is a failure
PAUSE = 0.002  # between a writer's batches (a request that never waits would hold the event loop)


@dataclass
class Writer:
    name: str
    counter_id: str
    acknowledged: list[tuple[int, float, float]] = field(default_factory=list)  # seq, sent, answered
    failures: list[str] = field(default_factory=list)


def batch(writer: Writer, seq: int) -> dict[str, object]:
    events = "/api/collections/events/records"
    return {
        "requests": [
            {"method": "POST", "url": events, "body": {"writer": writer.name, "seq": seq, "part": "a"}},
            {
                "method": "PATCH",
                "url": f"/api/collections/counters/records/{writer.counter_id}",
                "body": {"last": seq},
            },
            {"method": "POST", "url": events, "body": {"writer": writer.name, "seq": seq, "part": "b"}},
        ]
    }


async def write_until(api: ApiClient, writer: Writer, stop: asyncio.Event) -> None:
    seq = 0
    hard_stop = time.monotonic() + HARD_STOP
    while not stop.is_set() and time.monotonic() < hard_stop:
        sent = time.monotonic()
        # (a request is not cancelled midway, so its wait is measured rather than cut short)
        r = await api.su("POST", "/api/batch", json=batch(writer, seq))
        answered = time.monotonic()
        if r.status_code != 200:
            writer.failures.append(f"batch {seq}: {r.status_code} {r.text}")
            return
        if answered - sent > STALL:
            writer.failures.append(f"batch {seq}: answered after {answered - sent:.1f} s")
        writer.acknowledged.append((seq, sent, answered))
        seq += 1
        await asyncio.sleep(PAUSE)


async def all_records(api: ApiClient, collection: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        r = await api.su(
            "GET", f"/api/collections/{collection}/records?perPage=500&page={page}&skipTotal=1&sort=id"
        )
        assert r.status_code == 200, r.text
        got = r.json()["items"]
        items += got
        if len(got) < 500:
            return items
        page += 1


async def load_and_backup(api: ApiClient) -> tuple[list[Writer], float, float]:
    """Writers at work before, during and after a backup named load.zip: the writers, and when
    the backup's request was sent and answered."""
    r = await api.su("PATCH", "/api/settings", json={"batch": {"enabled": True, "maxRequests": 10}})
    assert r.status_code == 200, r.text
    await api.create_collection(
        {
            "name": "events",
            "fields": [
                {"name": "writer", "type": "text"},
                {"name": "seq", "type": "number"},
                {"name": "part", "type": "text"},
            ],
        }
    )
    await api.create_collection(
        {
            "name": "counters",
            "fields": [{"name": "writer", "type": "text"}, {"name": "last", "type": "number"}],
        }
    )
    # some stored files, so the archive takes a while to write after the snapshot
    await api.create_collection({"name": "blobs", "fields": [{"name": "f", "type": "file", "maxSelect": 1}]})
    for i in range(4):
        r = await api.su(
            "POST",
            "/api/collections/blobs/records",
            files=[("f", (f"b{i}.bin", os.urandom(2_000_000), "application/octet-stream"))],
        )
        assert r.status_code == 200, r.text
    writers = []
    for i in range(WRITERS):
        rec = await api.create_record("counters", {"writer": f"w{i}", "last": -1})
        writers.append(Writer(f"w{i}", rec["id"]))

    stop = asyncio.Event()
    tasks = [asyncio.create_task(write_until(api, w, stop)) for w in writers]
    try:
        await asyncio.sleep(LOAD_SECONDS)
        began = time.monotonic()
        r = await asyncio.wait_for(api.su("POST", "/api/backups", json={"name": "load.zip"}), 60)
        ended = time.monotonic()
        assert r.status_code == 204, r.text
        await asyncio.sleep(LOAD_SECONDS)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    for w in writers:
        assert w.failures == [], w.failures
        # the writers went on while the backup was written, and after it
        assert any(began < sent and answered < ended for _, sent, answered in w.acknowledged), w.name
        assert any(sent > ended for _, sent, _ in w.acknowledged), w.name
    return writers, began, ended


async def check_consistent(api: ApiClient, writers: list[Writer], began: float, ended: float) -> None:
    """What `api` serves is the moment the backup took (see the module's docstring)."""
    parts: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for rec in await all_records(api, "events"):
        parts[str(rec["writer"])][int(rec["seq"])].add(str(rec["part"]))
    counters = {str(c["writer"]): int(c["last"]) for c in await all_records(api, "counters")}
    assert sorted(counters) == sorted(w.name for w in writers)
    for w in writers:
        last = counters[w.name]
        seqs = parts[w.name]
        # every batch whole (both events and the counter) or absent; no gap
        assert sorted(seqs) == list(range(last + 1)), (w.name, last, sorted(seqs)[-5:])
        torn = {s: p for s, p in seqs.items() if p != {"a", "b"}}
        assert torn == {}, (w.name, torn)
        # what was acknowledged before the backup began is in it; what was sent after it ended is not
        before = [s for s, _, answered in w.acknowledged if answered < began]
        after = [s for s, sent, _ in w.acknowledged if sent > ended]
        assert before and last >= before[-1], (w.name, last, before[-1:])
        assert after and last < after[0], (w.name, last, after[:1])
    # the restored database takes writes
    await api.create_record("events", {"writer": "after", "seq": 0, "part": "a"})


async def test_a_backup_under_write_load_is_one_consistent_moment(api: ApiClient) -> None:
    writers, began, ended = await load_and_backup(api)
    if not api.app.config.database_url:
        data_dir = api.app.config.data_dir
        conn = open_database_from(data_dir / "backups" / "load.zip", "data.db", data_dir.parent / "unzipped")
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            conn.close()
    r = await api.su("POST", "/api/backups/load.zip/restore")
    assert (r.status_code, r.content) == (204, b""), r.text
    await check_consistent(api, writers, began, ended)


async def test_a_backup_under_load_restores_into_a_fresh_data_directory(tmp_path: Path) -> None:
    """The archive unzipped into an empty data directory is a database a new App starts on, with
    the same consistent moment in it."""
    async with signed_in_api(Config(data_dir=tmp_path / "first")) as api:
        writers, began, ended = await load_and_backup(api)
        archive = api.app.config.data_dir / "backups" / "load.zip"
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp_path / "fresh")
    conn = sqlite3.connect(tmp_path / "fresh" / "data.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    async with signed_in_api(Config(data_dir=tmp_path / "fresh")) as fresh:
        await check_consistent(fresh, writers, began, ended)
