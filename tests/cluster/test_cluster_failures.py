"""Failure modes docs/scaling.md describes, as a client behind the proxy sees them.

A node that dies (SIGKILL, no drain) ends the streams it held, and every request after it is
answered by the other nodes: nginx skips a node that refuses connections. Its own cluster, since
it kills a node. (The database failing is #12's tests/faults; the shared PostgreSQL of a test
machine cannot be stopped here.)
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest

from tests.cluster.cluster_harness import RunningCluster, start_node_cluster, stop_cluster
from tests.cluster.conftest import ENV
from tests.cluster.nginx_proxy import NginxMissing, nginx_binary
from tests.compat.servers import create_pg_database, drop_pg_database
from tests.conftest import skip_or_fail
from tests.support.sse_stream import WAIT, SseStream


@pytest.fixture
def two_nodes(tmp_path) -> Iterator[RunningCluster]:
    try:
        nginx_binary()
        dsn = create_pg_database()
    except NginxMissing as exc:
        skip_or_fail(str(exc))
    except Exception as exc:
        skip_or_fail(f"PostgreSQL is not reachable: {exc!r}")
    try:
        cluster = start_node_cluster("two", tmp_path, dsn, nodes=2, env=ENV)
        try:
            yield cluster
        finally:
            stop_cluster(cluster)
    finally:
        drop_pg_database(dsn)


def test_a_dead_node_ends_its_streams_and_the_others_answer(two_nodes):
    streams = [SseStream(two_nodes.base_url) for _ in range(2)]  # one on each node
    try:
        victim = two_nodes.nodes[1]
        assert victim.proc is not None
        os.killpg(victim.proc.pid, signal.SIGKILL)  # granian's main process and its worker
        victim.proc.wait(timeout=10)
        with two_nodes.client(headers={"Authorization": two_nodes.superuser_token()}) as client:
            answers = [
                client.get(path).status_code
                for _ in range(4)
                for path in ("/api/health", "/api/ready", "/api/collections/users/records")
            ]
        deadline = time.monotonic() + WAIT
        while not any(s.ended.is_set() for s in streams) and time.monotonic() < deadline:
            time.sleep(0.05)
        ended = [s.ended.is_set() for s in streams]
    finally:
        for stream in streams:
            stream.close()
    assert answers == [200] * 12
    assert sorted(ended) == [False, True], "the stream on the dead node ends, the other stays open"
