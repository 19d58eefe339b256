"""Two `bastion serve` processes on one PostgreSQL database, realtime events carried between them
by each pub/sub backend: a subscriber on one node receives what is written through the other,
and every subscriber receives each event exactly once."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import fresh_pg_schema, require_services
from tests.support.serve_process import BASTION, start_serve
from tests.support.sse_stream import SseStream

BACKENDS = {
    "redis": "redis://127.0.0.1:6379/0",
    "nats": "nats://127.0.0.1:4222",
    "postgres": "postgres",
}
EMAIL, PASSWORD = "admin@example.com", "adminpass1234"


@pytest.fixture
async def pg_schema_url() -> AsyncIterator[str]:
    async with fresh_pg_schema() as url:
        yield url


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_an_event_written_on_one_node_reaches_subscribers_on_both(backend, pg_schema_url, tmp_path):
    env = {"BASTION_REALTIME_PUBSUB": BACKENDS[backend]}
    db = ("--db", pg_schema_url)
    subprocess.run([BASTION, "superuser", "upsert", EMAIL, PASSWORD, *db], check=True, capture_output=True)
    procs = []
    try:
        for name in ("a", "b"):
            try:
                procs.append(start_serve(tmp_path / name, args=db, env=env))
            except AssertionError as exc:
                if require_services() or "not reachable" not in str(exc).lower():
                    raise
                pytest.skip(f"{backend} is not reachable")
        (_, node_a), (_, node_b) = procs
        r = httpx.post(
            f"{node_b}/api/collections/_superusers/auth-with-password",
            json={"identity": EMAIL, "password": PASSWORD},
        )
        auth = {"Authorization": r.json()["token"]}
        r = httpx.post(
            f"{node_b}/api/collections",
            headers=auth,
            json={"name": "posts", "listRule": "", "fields": [{"name": "title", "type": "text"}]},
        )
        assert r.status_code == 200, r.text
        streams = [SseStream(node_a), SseStream(node_b)]
        for stream in streams:
            r = httpx.post(
                f"{stream.base_url}/api/realtime",
                json={"clientId": stream.client_id, "subscriptions": ["posts/*"]},
            )
            assert r.status_code == 204, r.text
        # two writes on b, then one on a: each stream must see each write once, none twice
        writes = ((node_b, "one"), (node_b, "two"), (node_a, "three"), (node_b, "four"))
        for i, (base, title) in enumerate(writes):
            r = httpx.post(f"{base}/api/collections/posts/records", headers=auth, json={"title": title})
            assert r.status_code == 200, r.text
            for stream in streams:  # both nodes have it before the next write: a fixed order
                titles = [data["record"]["title"] for _, data in stream.wait_for(i + 1)]
                assert titles == [t for _, t in writes[: i + 1]], stream.base_url
        for stream in streams:
            stream.close()
    finally:
        for proc, _ in procs:
            proc.terminate()
            proc.communicate(timeout=15)
