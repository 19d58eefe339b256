"""State every process must share (issue #13, "shared state that must be shared"): the rate
limiter's counters, the login lockout, and files (a shared volume, or S3 set in the settings).

The rate-limit and lockout tests measure one process's count against the client's whole traffic,
so they need the settings in force everywhere first (`settle`), then count what the client gets.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.cluster.cluster_harness import RunningCluster, settle, superuser_headers
from tests.cluster.scenario import collection_is_there, new_name, public_collection, rounds
from tests.support.s3_server import new_bucket_settings, s3_client, s3_endpoint  # noqa: F401 - fixture

LIMIT = 3
WINDOW = 3600  # long, so that no window boundary falls inside the test (windows follow the clock)


def settings_are(path: tuple[str, ...], value: Any, headers: dict[str, str]) -> Any:
    def check(client: httpx.Client) -> bool:
        found: Any = client.get("/api/settings", headers=headers).json()
        for key in path:
            found = found.get(key) if isinstance(found, dict) else None
        return bool(found == value)

    return check


@pytest.fixture
def limited_collection(scaled: RunningCluster) -> Iterator[str]:
    """A public collection whose list is limited to LIMIT requests per WINDOW for everyone."""
    su = superuser_headers(scaled)
    name = new_name("limited")
    rules = [{"label": f"{name}:list", "audience": "", "duration": WINDOW, "maxRequests": LIMIT}]
    with scaled.client(headers=su) as client:
        assert client.post("/api/collections", json=public_collection(name)).status_code == 200
        r = client.patch("/api/settings", json={"rateLimits": {"enabled": True, "rules": rules}})
        assert r.status_code == 200, r.text
    settle(scaled, collection_is_there(name, su))
    settle(scaled, settings_are(("rateLimits", "rules"), rules, su))
    if WINDOW - time.time() % WINDOW < 30:  # the test would straddle a window: wait for the next
        time.sleep(WINDOW - time.time() % WINDOW + 1)
    try:
        yield name
    finally:
        with scaled.client(headers=su) as client:
            client.patch("/api/settings", json={"rateLimits": {"enabled": False}})
        settle(scaled, settings_are(("rateLimits", "enabled"), False, su))


def test_the_rate_limit_counts_every_process_together(scaled, limited_collection):
    attempts = max(4 * LIMIT, rounds(scaled))
    with scaled.client() as client:  # a guest: superusers are never limited
        answers = [
            client.get(f"/api/collections/{limited_collection}/records").status_code for _ in range(attempts)
        ]
    assert answers == [200] * LIMIT + [429] * (attempts - LIMIT)


def test_the_login_lockout_counts_every_process_together(scaled):
    """Five wrong passwords from one client lock it out of the account (docs/ratelimits.md), on
    whichever process the next attempt lands: the right password then answers 429 too."""
    su = superuser_headers(scaled)
    email, password = f"{secrets.token_hex(4)}@example.com", "userpass1234"
    with scaled.client() as client:
        r = client.post(
            "/api/collections/users/records",
            headers=su,
            json={"email": email, "password": password, "passwordConfirm": password},
        )
        assert r.status_code == 200, r.text
        login = "/api/collections/users/auth-with-password"
        wrong = [client.post(login, json={"identity": email, "password": "bad-guess"}) for _ in range(5)]
        right = [
            client.post(login, json={"identity": email, "password": password}) for _ in range(rounds(scaled))
        ]
    assert [r.status_code for r in wrong] == [400] * 5
    assert [r.status_code for r in right] == [429] * rounds(scaled)


def upload_and_read_everywhere(scaled: RunningCluster) -> list[tuple[int, bool]]:
    """Upload a file through the proxy, then read it from every process: (status, same bytes)."""
    su = superuser_headers(scaled)
    name = new_name("files")
    fields = [{"name": "doc", "type": "file", "maxSelect": 1, "maxSize": 1 << 20}]
    content = secrets.token_bytes(2048)
    with scaled.client(headers=su) as client:
        r = client.post("/api/collections", json=public_collection(name, fields=fields))
        assert r.status_code == 200, r.text
        settle(scaled, collection_is_there(name, su))
        r = client.post(f"/api/collections/{name}/records", files={"doc": ("a.bin", content)})
        assert r.status_code == 200, r.text
        record = r.json()
    path = f"/api/files/{name}/{record['id']}/{record['doc']}"
    seen = []
    for url in scaled.node_urls:
        with httpx.Client(base_url=url, timeout=10, limits=httpx.Limits(max_keepalive_connections=0)) as c:
            for _ in range(rounds(scaled) // len(scaled.node_urls)):
                r = c.get(path)
                seen.append((r.status_code, r.content == content))
    return seen


def test_a_file_uploaded_on_one_node_is_served_by_every_node(scaled):
    """On the shared data directory (a shared volume) every node serves what another stored."""
    assert set(upload_and_read_everywhere(scaled)) == {(200, True)}


def test_files_on_s3_are_served_by_every_node(nodes_cluster, s3_endpoint):  # noqa: F811 - fixture
    """The nodes store files in S3 (moto's server) once the settings say so; on one machine the
    shared volume above is the simpler choice, so only the nodes run this."""
    scaled = nodes_cluster
    su = superuser_headers(scaled)
    s3 = new_bucket_settings(s3_endpoint)
    with scaled.client(headers=su) as client:
        r = client.patch("/api/settings", json={"s3": s3})
        assert r.status_code == 200, r.text
    settle(scaled, settings_are(("s3", "bucket"), s3["bucket"], su))
    try:
        assert set(upload_and_read_everywhere(scaled)) == {(200, True)}
        stored = s3_client(s3_endpoint).list_objects_v2(Bucket=s3["bucket"]).get("Contents", [])
        assert stored, "the file is not in the bucket"
    finally:
        with scaled.client(headers=su) as client:
            client.patch("/api/settings", json={"s3": {**s3, "enabled": False}})
        settle(scaled, settings_are(("s3", "enabled"), False, su))
