"""Bastion as operators scale it out, started for a test run.

Two shapes, both presented as one `RunningCluster` (a `RunningServer` of tests/compat/servers.py,
so the compat suites run against either unchanged):

- `start_node_cluster`: N `bastion serve` nodes on one PostgreSQL database, realtime events carried
  between them by a pub/sub backend (PostgreSQL LISTEN/NOTIFY by default, or Redis or NATS), files
  on one data directory every node shares (a shared volume; or S3, set in the settings), behind a
  real nginx doing round-robin on loopback (tests/cluster/nginx_proxy.py). `base_url` is nginx.
- `start_worker_node`: one `bastion serve --workers N` on SQLite, no proxy: the kernel spreads
  connections over the worker processes, so a client reaches several workers only by opening
  new connections (`RunningCluster.fresh_connections`).

The switches a run can set from the environment:
  BASTION_CLUSTER_PUBSUB  postgres (default), redis or nats: the nodes' BASTION_REALTIME_PUBSUB
  BASTION_CLUSTER_NODES   how many nodes behind nginx (default 3)
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.cluster.nginx_proxy import Nginx, start_nginx
from tests.compat.servers import (
    BASTION_BIN,
    RunningServer,
    ServerStartError,
    free_port,
    start_server,
    stop_server,
)

PUBSUB_URLS = {
    "postgres": "postgres",  # LISTEN/NOTIFY on the nodes' own database: no other service
    "redis": "redis://127.0.0.1:6379/0",
    "nats": "nats://127.0.0.1:4222",
}
# What every node of a test run shares besides the database: quiet logs, and small PostgreSQL
# pools (3 nodes x 2 workers x 20 would take most of a default max_connections of 100, which the
# rest of the suite shares).
NODE_ENV = {
    "BASTION_LOG_LEVEL": "warning",
    "BASTION_LOG_ACCESS": "off",
    "BASTION_DB_POOL_SIZE": "5",
    "BASTION_DB_POOL_IDLE_TIMEOUT": "5",
}


def cluster_pubsub() -> str:
    kind = os.environ.get("BASTION_CLUSTER_PUBSUB", "postgres")
    if kind not in PUBSUB_URLS:
        raise ValueError(f"BASTION_CLUSTER_PUBSUB must be one of {sorted(PUBSUB_URLS)}, got {kind!r}")
    return kind


def cluster_size() -> int:
    return int(os.environ.get("BASTION_CLUSTER_NODES", "3"))


@dataclass
class RunningCluster(RunningServer):
    """Several `serve` processes answering as one server at `base_url`."""

    nodes: list[RunningServer] = field(default_factory=list)
    proxy: Nginx | None = None
    # True when only a new connection may reach another process (workers behind one socket);
    # behind nginx every request is dealt to the next node whatever the client's connection.
    fresh_connections: bool = False

    @property
    def node_urls(self) -> list[str]:
        """Each node's own address, bypassing the proxy (for setting up and for checks)."""
        return [n.base_url for n in self.nodes]

    def log_tail(self, lines: int = 60) -> str:
        parts = [f"--- {n.name} ---\n{n.log_tail(lines)}" for n in self.nodes]
        if self.proxy is not None:
            parts.append(f"--- nginx error log ---\n{self.proxy.log_tail()}")
        return "\n".join(parts)

    def client(self, **kwargs: Any) -> httpx.Client:
        """A client for `base_url`; with `fresh_connections`, one that opens a connection per
        request, so that consecutive requests may land on different worker processes."""
        if self.fresh_connections:
            kwargs.setdefault("limits", httpx.Limits(max_keepalive_connections=0))
        kwargs.setdefault("timeout", 30)
        return httpx.Client(base_url=self.base_url, **kwargs)


def start_node_cluster(
    name: str,
    workdir: Path,
    db_url: str,
    *,
    nodes: int | None = None,
    pubsub: str | None = None,
    env: dict[str, str] | None = None,
) -> RunningCluster:
    """`nodes` `bastion serve` processes on `db_url` (PostgreSQL) with pub/sub, one shared data
    directory, and nginx round-robin in front. Stops what it started if any part fails."""
    count = nodes or cluster_size()
    kind = pubsub or cluster_pubsub()
    node_env = {**NODE_ENV, "BASTION_REALTIME_PUBSUB": PUBSUB_URLS[kind], **(env or {})}
    shared = workdir / "shared-data"  # the shared volume: uploaded files, visible to every node
    started: list[RunningServer] = []

    def node(i: int) -> RunningServer:
        server = start_server(
            f"{name}-node{i + 1}",
            BASTION_BIN,
            workdir / f"node{i + 1}",
            db_url,
            data_dir=shared,
            env=node_env,
            upsert=i == 0,
        )
        started.append(server)
        return server

    try:
        node(0)  # creates the schema and the superuser; the others then start side by side
        with ThreadPoolExecutor(count - 1 or 1) as pool:
            for future in [pool.submit(node, i) for i in range(1, count)]:
                future.result()
        started.sort(key=lambda n: int(n.name.rsplit("node", 1)[1]))
        port = free_port()
        proxy = start_nginx(workdir / "nginx", port, [f"127.0.0.1:{n.port}" for n in started])
    except BaseException:
        for node in started:
            stop_server(node)
        raise
    cluster = RunningCluster(
        name, BASTION_BIN, shared, workdir / "cluster.log", port, db_url, nodes=started, proxy=proxy
    )
    try:
        wait_healthy(cluster.base_url)
    except BaseException:
        stop_cluster(cluster)
        raise
    return cluster


def start_worker_node(
    name: str, workdir: Path, *, workers: int = 2, env: dict[str, str] | None = None
) -> RunningCluster:
    """One `bastion serve --workers N` on SQLite, no proxy."""
    node = start_server(
        f"{name}-node",
        BASTION_BIN,
        workdir,
        args=("--workers", str(workers)),
        env={**NODE_ENV, **(env or {})},
    )
    return RunningCluster(
        name,
        BASTION_BIN,
        node.data_dir,
        node.log_path,
        node.port,
        None,
        nodes=[node],
        fresh_connections=workers > 1,
    )


def stop_cluster(cluster: RunningCluster) -> None:
    if cluster.proxy is not None:
        cluster.proxy.stop()
    for node in cluster.nodes:
        stop_server(node)


def wait_healthy(base_url: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise ServerStartError(f"{base_url} not healthy after {timeout}s")


def superuser_headers(cluster: RunningServer) -> dict[str, str]:
    return {"Authorization": cluster.superuser_token()}


SETTLE_TIMEOUT = 15.0
SETTLE_STREAK = 10  # workers: this many answers in a row from new connections


def settle(cluster: RunningCluster, check: Callable[[httpx.Client], bool]) -> None:
    """Wait until every process answers `check` True: the set-up of a test, so that what it then
    measures is one change, not the ones before it. Nodes are asked each on its own address;
    workers, which share one address, through new connections until SETTLE_STREAK agree in a
    row. Raises AssertionError after SETTLE_TIMEOUT."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    if cluster.fresh_connections:
        streak = 0
        with cluster.client() as client:
            while streak < SETTLE_STREAK:
                streak = streak + 1 if check(client) else 0
                if time.monotonic() > deadline:
                    raise AssertionError(f"{cluster.name}: the workers did not agree in {SETTLE_TIMEOUT}s")
                if not streak:
                    time.sleep(0.1)
        return
    for url in cluster.node_urls:
        with httpx.Client(base_url=url, timeout=10) as client:
            while not check(client):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{url}: did not settle in {SETTLE_TIMEOUT}s")
                time.sleep(0.1)


def nginx_available() -> bool:
    return shutil.which("nginx") is not None or os.access("/usr/sbin/nginx", os.X_OK)
