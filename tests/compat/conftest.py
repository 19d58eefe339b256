"""Fixtures for the compat suites: live servers (PocketBase, Bastion on SQLite, Bastion on PostgreSQL).

Environment switches:
  COMPAT_TARGETS            comma list of servers under test (default: all five below);
                            `COMPAT_TARGETS=pocketbase` runs everything against the real PocketBase
                            only, which is how the suites themselves are checked. pocketbase,
                            bastion (SQLite, serve's default workers), bastion-pg, and scaled-out
                            Bastion (tests/cluster/cluster_harness.py): `bastion-cluster` (3 nodes
                            on one PostgreSQL database with pub/sub, behind nginx round-robin) and
                            `bastion-workers` (one `serve --workers 2` on SQLite), which must answer
                            exactly as one server does.
  BASTION_REQUIRE_SERVICES  "1": a missing PostgreSQL or node fails instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

from .servers import (
    BASTION_BIN,
    POCKETBASE_BIN,
    RunningServer,
    create_pg_database,
    drop_pg_database,
    ensure_node_modules,
    start_server,
    stop_server,
)

SINGLE_TARGETS = ("pocketbase", "bastion", "bastion-pg")
SCALED_TARGETS = ("bastion-cluster", "bastion-workers")
ALL_TARGETS = SINGLE_TARGETS + SCALED_TARGETS  # the default selection
KNOWN_TARGETS = ALL_TARGETS


def selected_targets() -> list[str]:
    raw = os.environ.get("COMPAT_TARGETS", ",".join(ALL_TARGETS))
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in names if n not in KNOWN_TARGETS]
    if unknown:
        raise pytest.UsageError(f"COMPAT_TARGETS: unknown server(s) {unknown}; known: {KNOWN_TARGETS}")
    return names


# The :excerpt cases (over 600 stored HTML values read back through `?fields=body:excerpt(…)`)
# test a pure transformation of a stored value, the same code in every process and node: they run
# against one process on each database (bastion, bastion-pg) and are not sent again through the
# workers and the cluster, which would add a minute to the suite and no coverage.
_TOPOLOGY_TARGETS = {"bastion-workers", "bastion-cluster"}
_PURE_CASE_PREFIX = "excerpt_"


def _repeats_a_pure_case(item: pytest.Item) -> bool:
    params = getattr(getattr(item, "callspec", None), "params", {})
    case = params.get("case")
    return params.get("target") in _TOPOLOGY_TARGETS and str(getattr(case, "id", "")).startswith(
        _PURE_CASE_PREFIX
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    kept, dropped = [], []
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.compat)
            if _repeats_a_pure_case(item):
                dropped.append(item)
                continue
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        servers: list[RunningServer] = []
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, RunningServer):
                servers.append(value)
            elif isinstance(value, tuple):
                servers.extend(v for v in value if isinstance(v, RunningServer))
        for server in servers:
            report.sections.append((f"server log tail: {server.name}", server.log_tail()))


def _serve(name: str, binary: Path, factory: pytest.TempPathFactory, db_url: str | None = None):
    # A small PostgreSQL pool that soon gives back what a burst opened: these servers share the
    # test database server's max_connections with the rest of the suite (and they are stopped
    # when the compat package's tests end: the fixtures are package-scoped).
    env = {"BASTION_DB_POOL_SIZE": "8", "BASTION_DB_POOL_IDLE_TIMEOUT": "5"} if db_url else None
    return start_server(name, binary, factory.mktemp(name), db_url, env=env)


@pytest.fixture(scope="package")
def pocketbase_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = _serve("pocketbase", POCKETBASE_BIN, tmp_path_factory)
    yield server
    stop_server(server)


@pytest.fixture(scope="package")
def reference_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A second, separate PocketBase: the reference side of the differential tests."""
    server = _serve("pocketbase-reference", POCKETBASE_BIN, tmp_path_factory)
    yield server
    stop_server(server)


@pytest.fixture(scope="package")
def bastion_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = _serve("bastion", BASTION_BIN, tmp_path_factory)
    yield server
    stop_server(server)


@pytest.fixture(scope="package")
def bastion_pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    try:
        dsn = create_pg_database()
    except Exception as exc:  # connection refused, auth, missing driver: all mean "no PostgreSQL"
        skip_or_fail(f"PostgreSQL is not reachable: {exc!r}")
    try:
        server = _serve("bastion-pg", BASTION_BIN, tmp_path_factory, db_url=dsn)
        try:
            yield server
        finally:
            stop_server(server)
    finally:
        drop_pg_database(dsn)


@pytest.fixture(scope="package")
def bastion_cluster_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """3 `bastion serve` nodes on one PostgreSQL database with pub/sub, behind nginx round-robin."""
    from tests.cluster.cluster_harness import start_node_cluster, stop_cluster
    from tests.cluster.nginx_proxy import NginxMissing, nginx_binary

    try:
        nginx_binary()
    except NginxMissing as exc:
        skip_or_fail(str(exc))
    try:
        dsn = create_pg_database()
    except Exception as exc:
        skip_or_fail(f"PostgreSQL is not reachable: {exc!r}")
    try:
        cluster = start_node_cluster("bastion-cluster", tmp_path_factory.mktemp("bastion-cluster"), dsn)
        try:
            yield cluster
        finally:
            stop_cluster(cluster)
    finally:
        drop_pg_database(dsn)


@pytest.fixture(scope="package")
def bastion_workers_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One `bastion serve --workers 2` on SQLite, no proxy."""
    from tests.cluster.cluster_harness import start_worker_node, stop_cluster

    node = start_worker_node("bastion-workers", tmp_path_factory.mktemp("bastion-workers"))
    yield node
    stop_cluster(node)


@pytest.fixture(scope="package", params=selected_targets())
def target(request: pytest.FixtureRequest) -> RunningServer:
    """The server under test, once per name in COMPAT_TARGETS."""
    return request.getfixturevalue(f"{request.param.replace('-', '_')}_server")


@pytest.fixture(scope="session")
def sdk_ready() -> None:
    """node_modules with the pinned `pocketbase` JS SDK, installed by `npm ci` when missing or stale."""
    try:
        ensure_node_modules()
    except FileNotFoundError as exc:
        skip_or_fail(f"node/npm unavailable: {exc}")
