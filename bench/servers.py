"""Start and stop the servers under test, and read their memory.

Every server is started the same way: a fresh port on 127.0.0.1, optionally `taskset -c 0`, the
data seeded once, kept as a snapshot, and put back before every measured run.

Worker processes (Bastion and the granian hello app): pinned, one (a per-core figure); unpinned,
`workers` when given (`run.py --bastion-workers N`), else Bastion's own default (`--workers` is
not passed) and one per core for the hello app.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
BENCH = Path(__file__).resolve().parent
EMAIL, PASSWORD = "bench@example.com", "benchpass1234"
PG_HOST = "127.0.0.1"
PG_PORT = 5432

# Bastion limits the auth routes even while the settings' rate limits are off (PocketBase does
# not); the auth workload measures hashing and token issue, so both run without a limiter.
BASTION_ENV = {
    "BASTION_LOG_LEVEL": "warning",
    "BASTION_RATELIMIT_AUTH_BASELINE": "false",
    # the fan-out's subscribers all come from 127.0.0.1: lift the per-address realtime budgets
    # (500 clients, 2,000 subscriptions per worker by default), which PocketBase does not have
    "BASTION_REALTIME_MAX_CLIENTS_PER_IP": "100000",
    "BASTION_REALTIME_MAX_SUBSCRIPTIONS_PER_IP": "100000",
}


@dataclass
class Server:
    """One server kind: how to create its data once and how to start it."""

    kind: str  # pocketbase | bastion | bastion-pg | asgi-hello
    workdir: Path
    workers: int | None = None  # unpinned Bastion's --workers; None: serve's default
    db_url: str = ""
    proc: subprocess.Popen[bytes] | None = None
    base: str = ""
    _log: list[object] = field(default_factory=list)
    _snapshot: bool = False

    @property
    def label(self) -> str:
        return {
            "pocketbase": "PocketBase",
            "bastion": "Bastion (SQLite)",
            "bastion-pg": "Bastion (PostgreSQL)",
            "asgi-hello": "ASGI hello (granian)",
        }[self.kind]

    @property
    def seeded(self) -> bool:
        return self.kind != "asgi-hello"

    def _cmd(self, port: int, workers: int | None) -> list[str]:
        """The command line; `workers` None leaves Bastion's --workers to serve's default."""
        addr = f"127.0.0.1:{port}"
        if self.kind == "pocketbase":
            return [str(BIN / "pocketbase"), "serve", "--http", addr, "--dir", str(self.workdir / self.kind)]
        if self.kind == "asgi-hello":
            return [
                str(BIN / "granian"), "--interface", "asgi", "--loop", "uvloop",
                "--workers", str(workers or len(os.sched_getaffinity(0))),
                "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
                "--backlog", "4096", "--backpressure", "16384", "--working-dir", str(BENCH), "hello_app:app",
            ]  # fmt: skip
        cmd = [str(BIN / "bastion"), "serve", "--http", addr, "--dir", str(self.workdir / self.kind)]
        if workers is not None:
            cmd += ["--workers", str(workers)]
        return [*cmd, "--db", self.db_url] if self.db_url else cmd

    def prepare(self) -> None:
        """Create the database (PostgreSQL) and the superuser the seeding signs in with."""
        if self.kind == "asgi-hello":
            return
        if self.kind == "bastion-pg":
            name = f"bastion_bench_{uuid.uuid4().hex[:8]}"
            subprocess.run(["createdb", "-h", PG_HOST, "-p", str(PG_PORT), name], check=True)
            self.db_url = f"postgresql://{PG_HOST}:{PG_PORT}/{name}"
        exe = str(BIN / ("pocketbase" if self.kind == "pocketbase" else "bastion"))
        cmd = [exe, "superuser", "upsert", EMAIL, PASSWORD, "--dir", str(self.workdir / self.kind)]
        if self.db_url:
            cmd += ["--db", self.db_url]
        subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, **BASTION_ENV})

    def start(self, pin: bool, workers: int | None = None) -> str:
        """Start and wait for health. Pinned: one worker on CPU 0. Unpinned: `workers`, else the
        run's `self.workers`, else serve's default."""
        count = 1 if pin else workers or self.workers
        try:
            return self._start(pin, count)
        except SystemExit as first:
            # once seen on a fresh port right after another server stopped; a second try tells a
            # hiccup from a server that cannot start
            log = (self.workdir / f"{self.kind}.log").open("a")
            log.write(f"\n[bench] retrying after: {first}\n")
            log.close()
            return self._start(pin, count)

    def _start(self, pin: bool, workers: int | None) -> str:
        port = free_port()
        cmd = self._cmd(port, workers)
        if pin:
            cmd = ["taskset", "-c", "0", *cmd]
        log = open(self.workdir / f"{self.kind}.log", "ab")  # noqa: SIM115 - closed in stop()
        self._log = [log]
        self.proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **BASTION_ENV}
        )
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return self.base
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        tail = (self.workdir / f"{self.kind}.log").read_text(errors="replace")[-2000:]
        raise SystemExit(f"{self.kind} did not start:\n{tail}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        for f in self._log:
            f.close()  # type: ignore[attr-defined]
        self._log = []

    def snapshot(self) -> None:
        """Keep the seeded data (server stopped), so that every measured run starts from it:
        the create workload adds thousands of rows, which would slow the next round's lists."""
        if not self.seeded:
            return
        if (self.workdir / self.kind).exists():
            shutil.copytree(self.workdir / self.kind, self.workdir / f"{self.kind}.seeded")
        self._snapshot = True
        if self.db_url:
            _pg("createdb", "-T", self._db_name, f"{self._db_name}_seeded")

    def restore(self) -> None:
        """Put the snapshot's data back (server stopped)."""
        if not self._snapshot:
            return
        if (self.workdir / f"{self.kind}.seeded").exists():
            shutil.rmtree(self.workdir / self.kind)
            shutil.copytree(self.workdir / f"{self.kind}.seeded", self.workdir / self.kind)
        if self.db_url:
            _pg("dropdb", self._db_name)
            _pg("createdb", "-T", f"{self._db_name}_seeded", self._db_name)

    @property
    def _db_name(self) -> str:
        return self.db_url.rsplit("/", 1)[1]

    def drop(self) -> None:
        """Remove what prepare() created outside the work directory."""
        if self.db_url:
            for name in (self._db_name, f"{self._db_name}_seeded"):
                subprocess.run(
                    ["dropdb", "-h", PG_HOST, "-p", str(PG_PORT), "--if-exists", name],
                    check=False,
                    capture_output=True,
                )

    def processes(self) -> int:
        """How many processes the server runs (Bastion: granian's main process and each worker)."""
        return len(_tree(self.proc.pid)) if self.proc is not None else 0

    def rss_mb(self) -> float:
        """Resident memory of the server and every process under it, together: for Bastion the
        main process and every worker.

        PostgreSQL's own backends are not counted: they serve the database, not the app.
        """
        return self._sum_kb("status", "VmRSS:") / 1024

    def pss_mb(self) -> float:
        """Proportional memory of the server's processes together: each page shared by n of them
        counted 1/n in each (Linux's `Pss`). Bastion's workers are forked from its main process
        and share the pages of everything imported before the fork, which the RSS sum counts
        once per process; PSS counts what the server really takes from the machine. For a
        single process (PocketBase) it is about its RSS."""
        return self._sum_kb("smaps_rollup", "Pss:") / 1024

    def _sum_kb(self, proc_file: str, field_name: str) -> float:
        """`field_name`'s kB in /proc/PID/`proc_file`, over the server's processes; NaN when it
        does not run."""
        if self.proc is None:
            return float("nan")
        total_kb = 0
        for pid in _tree(self.proc.pid):
            try:
                for line in Path(f"/proc/{pid}/{proc_file}").read_text().splitlines():
                    if line.startswith(field_name):
                        total_kb += int(line.split()[1])
            except OSError:
                pass
        return total_kb


def _pg(tool: str, *args: str) -> None:
    subprocess.run([tool, "-h", PG_HOST, "-p", str(PG_PORT), *args], check=True, capture_output=True)


def _tree(pid: int) -> list[int]:
    out = [pid]
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for k in kids:
        out += _tree(int(k))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_available() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False
