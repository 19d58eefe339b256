"""A private PostgreSQL server for fault tests: its own temporary cluster on its own free port.

The shared server at 127.0.0.1:5432 must never be stopped or frozen, so each fault test gets a
cluster of its own (initdb once per test session, copied per test) that it can stop, freeze
(SIGSTOP on the postmaster and each of its children: backends run in sessions of their own),
thaw, and start again on the same port. PostgreSQL refuses to run as root: under root the server runs as
the `postgres` user, in a directory that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from tests.support.serve_process import free_port


def pg_bin(name: str) -> str | None:
    """The newest installed PostgreSQL binary `name` (initdb, postgres), or None."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major, reverse=True)
    return found[0] if found else shutil.which(name)


def _major(path: str) -> int:
    part = path.split("/")[4]
    return int(part) if part.isdigit() else 0


def _run_as() -> dict[str, Any]:
    """Popen keyword arguments that drop to the postgres user when we are root."""
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": pwd.getpwnam("postgres").pw_gid}


def _chown_tree(path: Path) -> None:
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam("postgres")
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.lchown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def init_template() -> Path:
    """A fresh cluster directory (trust auth), made once and copied for each server."""
    initdb = pg_bin("initdb")
    if initdb is None:
        raise RuntimeError("initdb not found (install PostgreSQL's server binaries)")
    base = Path(tempfile.mkdtemp(prefix="bastion-pgfault-"))
    os.chmod(base, 0o755)
    data = base / "template"
    data.mkdir()
    _chown_tree(base)
    subprocess.run(
        [initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **_run_as(),
    )
    return data


class PrivatePostgres:
    """One cluster, one port; `url` stays valid across stop/start."""

    def __init__(self, template: Path) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="bastion-pgfault-"))
        os.chmod(self.dir, 0o755)
        self.data = self.dir / "data"
        shutil.copytree(template, self.data)
        _chown_tree(self.dir)
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.proc: subprocess.Popen[bytes] | None = None
        self.frozen = False

    def start(self, wait: float = 30) -> None:
        postgres = pg_bin("postgres")
        assert postgres is not None
        self.proc = subprocess.Popen(
            [
                postgres,
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=60",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **_run_as(),
        )
        deadline = time.monotonic() + wait
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                if self._accepts_queries():
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private PostgreSQL did not start (exit {self.proc.poll()})")
            time.sleep(0.1)

    def _accepts_queries(self) -> bool:
        psql = pg_bin("psql") or "psql"
        result = subprocess.run(
            [psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-Atc", "SELECT 1", "postgres"],
            capture_output=True,
            timeout=5,
        )
        return result.returncode == 0

    def stop(self) -> None:
        """A fast shutdown (SIGINT): sessions are terminated, the port then refuses connections."""
        if self.proc is None:
            return
        if self.frozen:
            self.thaw()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def freeze(self) -> None:
        """SIGSTOP the server and every backend: connections stay open, nothing answers."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)  # first: no new backend forks from here on
        for pid in self._children():
            os.kill(pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        assert self.proc is not None
        for pid in self._children():
            os.kill(pid, signal.SIGCONT)
        os.kill(self.proc.pid, signal.SIGCONT)
        self.frozen = False

    def _children(self) -> list[int]:
        """The postmaster's children (backends and workers; each is its own process group)."""
        assert self.proc is not None
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid:
                found.append(int(entry))
        return found

    async def terminate_backends(self) -> int:
        """`pg_terminate_backend` every other session (what an operator or a failover does)."""
        conn = await asyncpg.connect(self.url, timeout=10)
        try:
            return int(
                await conn.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
                )
            )
        finally:
            await conn.close()

    def destroy(self) -> None:
        if self.proc is not None:
            if self.frozen:
                self.thaw()
            children = self._children()
            os.kill(self.proc.pid, signal.SIGKILL)
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)
