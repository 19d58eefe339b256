"""Scaled-out Bastion for the consistency tests: each test runs on three shapes.

- `single`: one `bastion serve` on SQLite, one worker: the control. Every test passes here, which
  shows the test asks for what one server answers.
- `nodes`: 3 nodes on one PostgreSQL database with pub/sub, behind nginx round-robin.
- `workers`: one `bastion serve --workers 2` on SQLite, reached through new connections.

Each shape is started once per session, on first use. Every test passes on every shape: a
scaled shape must answer exactly as one server does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cluster.cluster_harness import (
    RunningCluster,
    start_node_cluster,
    start_worker_node,
    stop_cluster,
)
from tests.cluster.nginx_proxy import NginxMissing, nginx_binary
from tests.compat.servers import create_pg_database, drop_pg_database
from tests.conftest import skip_or_fail

SHAPES = ("single", "nodes", "workers")
# The auth routes' baseline limit (20 logins a minute per address) is not what these tests are
# about, and several of them sign in often from one address.
ENV = {"BASTION_RATELIMIT_AUTH_BASELINE": "false"}


@pytest.fixture(scope="package")
def single_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    server = start_worker_node("single", tmp_path_factory.mktemp("single"), workers=1, env=ENV)
    yield server
    stop_cluster(server)


@pytest.fixture(scope="package")
def workers_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    server = start_worker_node("workers", tmp_path_factory.mktemp("workers"), workers=2, env=ENV)
    yield server
    stop_cluster(server)


@pytest.fixture(scope="package")
def nodes_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    try:
        nginx_binary()
    except NginxMissing as exc:
        skip_or_fail(str(exc))
    try:
        dsn = create_pg_database()
    except Exception as exc:  # refused, auth, no driver: all mean "no PostgreSQL"
        skip_or_fail(f"PostgreSQL is not reachable: {exc!r}")
    try:
        cluster = start_node_cluster("nodes", tmp_path_factory.mktemp("nodes"), dsn, env=ENV)
        try:
            yield cluster
        finally:
            stop_cluster(cluster)
    finally:
        drop_pg_database(dsn)


@pytest.fixture(params=SHAPES)
def scaled(request: pytest.FixtureRequest) -> RunningCluster:
    """The server under test, once per shape."""
    return request.getfixturevalue(f"{request.param}_cluster")  # type: ignore[no-any-return]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """A failing test shows the tail of every node's log and nginx's error log."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, RunningCluster):
                report.sections.append((f"logs: {value.name}", value.log_tail(20)))
