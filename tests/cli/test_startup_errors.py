"""`bastion serve` that cannot start says why in one line and exits non-zero (the real CLI)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import PG_DSN, skip_or_fail
from tests.support.serve_process import BASTION, free_port, serving

TIMEOUT = 60


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BASTION, "serve", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, **(env or {})},
    )


def _one_line(r: subprocess.CompletedProcess[str], code: int = 1) -> str:
    lines = r.stderr.strip().splitlines()
    assert r.returncode == code and len(lines) == 1, f"exit {r.returncode}:\n{r.stderr}"
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_port_in_use(tmp_path: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = _one_line(_serve("--http", f"127.0.0.1:{port}", "--dir", str(tmp_path / "d")))
    assert f"127.0.0.1:{port}" in line and "--http" in line and "in use" in line
    assert not (tmp_path / "d").exists()  # refused before touching anything


def test_a_second_server_on_a_busy_address_fails(tmp_path: Path):
    """granian listens with SO_REUSEPORT: without a check the second server started too, and the
    kernel split requests between the two databases."""
    with serving(tmp_path / "first") as (_, base):
        address = base.removeprefix("http://")
        line = _one_line(_serve("--http", address, "--dir", str(tmp_path / "second")))
        assert address in line
        # every request still reaches the first server's database (it has the `users` collection;
        # the second never created its own)
        for _ in range(20):
            assert httpx.get(f"{base}/api/collections/users/auth-methods", timeout=5).status_code == 200
    assert not (tmp_path / "second").exists()


def test_two_servers_started_at_once_leave_one_serving(tmp_path: Path):
    port = free_port()
    procs = [
        subprocess.Popen(
            [BASTION, "serve", "--http", f"127.0.0.1:{port}", "--dir", str(tmp_path / f"d{i}")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    try:
        deadline = time.monotonic() + TIMEOUT
        while all(p.poll() is None for p in procs) and time.monotonic() < deadline:
            time.sleep(0.1)
        failed = [p for p in procs if p.poll() is not None]
        assert len(failed) == 1, "exactly one of the two must give up"
        assert failed[0].returncode == 1
        err = failed[0].stderr.read()  # type: ignore[union-attr]
        assert len(err.strip().splitlines()) == 1 and f"127.0.0.1:{port}" in err, err
        survivor = next(p for p in procs if p is not failed[0])
        while survivor.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("the other server is not serving")
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()  # SIGTERM: granian's main process stops its workers too
            p.communicate(timeout=20)


def test_data_dir_that_is_a_file(tmp_path: Path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    for target in (not_a_dir, not_a_dir / "sub"):
        line = _one_line(_serve("--http", f"127.0.0.1:{free_port()}", "--dir", str(target)))
        assert str(target) in line and "--dir" in line


def test_http_port_out_of_range(tmp_path: Path):
    line = _one_line(_serve("--http", ":99999", "--dir", str(tmp_path)), code=2)
    assert "--http" in line and "99999" in line and "65535" in line


def test_postgres_not_running_names_the_flag_and_hides_the_password(tmp_path: Path):
    url = f"postgresql://postgres:s3cret@127.0.0.1:{free_port()}/test"
    line = _one_line(_serve("--http", f"127.0.0.1:{free_port()}", "--dir", str(tmp_path), "--db", url))
    assert "--db" in line and "connection refused" in line and "s3cret" not in line
    from_env = _one_line(
        _serve(
            "--http", f"127.0.0.1:{free_port()}", "--dir", str(tmp_path), env={"BASTION_DATABASE_URL": url}
        )
    )
    assert "BASTION_DATABASE_URL" in from_env and "--db" not in from_env


@pytest.mark.postgres
def test_postgres_database_missing(tmp_path: Path):
    try:
        socket.create_connection((urlsplit(PG_DSN).hostname, urlsplit(PG_DSN).port or 5432), 3).close()
    except OSError:
        skip_or_fail("PostgreSQL is not running")
    url = urlsplit(PG_DSN)._replace(path="/no_such_database_here").geturl()
    line = _one_line(_serve("--http", f"127.0.0.1:{free_port()}", "--dir", str(tmp_path), "--db", url))
    assert '"no_such_database_here"' in line and "--db" in line


def test_a_host_name_is_served(tmp_path: Path):
    """`--http localhost:PORT` (granian itself binds IP literals only, and raised a traceback)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            BASTION,
            "serve",
            "--http",
            f"localhost:{port}",
            "--dir",
            str(tmp_path / "d"),
            "--log-access",
            "off",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            assert proc.poll() is None, proc.communicate()[1].decode()
            assert time.monotonic() < deadline, "not serving"
            try:
                if httpx.get(f"http://localhost:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert f"Dashboard: http://localhost:{port}/_/" in err.decode()
