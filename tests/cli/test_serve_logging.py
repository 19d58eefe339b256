"""Where `bastion serve` writes its line per request: short text in a terminal, JSON elsewhere,
a file of its own, or nowhere (the real CLI; the terminal is a pseudo-terminal)."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path

import httpx

from tests.support.serve_process import BASTION, free_port, serving

SHORT_LINE = re.compile(r"^\d\d:\d\d:\d\d GET /api/health 200 \d+\.\dms$", re.M)


def _request_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{") and '"request"' in line]


def _stop(proc: subprocess.Popen[bytes]) -> str:
    proc.terminate()
    _, err = proc.communicate(timeout=20)
    return err.decode()


def test_json_lines_when_stderr_is_not_a_terminal(tmp_path: Path):
    with serving(tmp_path / "data") as (proc, base):
        httpx.get(f"{base}/api/health?x=secret")
        err = _stop(proc)
    [line] = [r for r in _request_lines(err) if r["path"] == "/api/health" and r["query_keys"] == ["x"]]
    assert line["status"] == 200 and "secret" not in json.dumps(line)


def test_short_lines_in_a_terminal(tmp_path: Path):
    port = free_port()
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [BASTION, "serve", "--http", f"127.0.0.1:{port}", "--dir", str(tmp_path / "data")],
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    out = b""
    try:
        deadline = time.monotonic() + 30
        while b"Dashboard:" not in out or not SHORT_LINE.search(
            out.decode(errors="replace").replace("\r", "")
        ):
            assert time.monotonic() < deadline, out.decode(errors="replace")
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
            while select.select([leader], [], [], 0.2)[0]:
                out += os.read(leader, 65536)
    finally:
        proc.terminate()
        proc.wait(20)
        os.close(leader)
    text = out.decode(errors="replace").replace("\r\n", "\n")
    assert not _request_lines(text), "no JSON request lines in a terminal"


def test_access_log_to_a_file(tmp_path: Path):
    access = tmp_path / "logs" / "access.log"
    access.parent.mkdir()
    with serving(tmp_path / "data", args=("--log-access", str(access))) as (proc, base):
        httpx.get(f"{base}/api/health?probe=1")
        err = _stop(proc)
    assert not _request_lines(err), "request lines went to the file only"
    assert any(r["query_keys"] == ["probe"] for r in _request_lines(access.read_text()))


def test_access_log_off(tmp_path: Path):
    with serving(tmp_path / "data", args=("--log-access", "off")) as (proc, base):
        httpx.get(f"{base}/api/health")
        err = _stop(proc)
    assert not _request_lines(err) and not SHORT_LINE.search(err)


def test_access_log_file_that_cannot_be_written(tmp_path: Path):
    r = subprocess.run(
        [BASTION, "serve", "--http", f"127.0.0.1:{free_port()}", "--dir", str(tmp_path / "d")]
        + ["--log-access", str(tmp_path / "missing" / "access.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "--log-access" in r.stderr
