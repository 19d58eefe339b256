"""The `bastion` command as a user runs it: help, superuser upsert, serve, graceful stop."""

from __future__ import annotations

import signal
import subprocess
import time

import httpx

from tests.support.serve_process import BASTION, assert_exits_cleanly, serving, start_serve


def test_help_lists_commands():
    out = subprocess.run([BASTION, "--help"], capture_output=True, text=True, check=True).stdout
    assert "serve" in out and "superuser" in out
    serve_help = subprocess.run(
        [BASTION, "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--http" in serve_help and "--dir" in serve_help and "--db" in serve_help


def test_bad_http_flag_is_a_usage_error(tmp_path):
    r = subprocess.run(
        [BASTION, "serve", "--http", "nonsense", "--dir", str(tmp_path)], capture_output=True, text=True
    )
    assert r.returncode == 2
    assert "HOST:PORT" in r.stderr


def test_superuser_upsert_then_serve_and_login(tmp_path):
    data = tmp_path / "data"
    r = subprocess.run(
        [BASTION, "superuser", "upsert", "root@example.com", "rootpass1234", "--dir", str(data)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    again = subprocess.run(
        [BASTION, "superuser", "upsert", "root@example.com", "otherpass1234", "--dir", str(data)],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0 and "updated" in again.stdout
    short = subprocess.run(
        [BASTION, "superuser", "upsert", "x@example.com", "short", "--dir", str(data)],
        capture_output=True,
        text=True,
    )
    assert short.returncode == 1 and "password" in short.stderr

    proc, base = start_serve(data)
    try:
        login = httpx.post(
            f"{base}/api/collections/_superusers/auth-with-password",
            json={"identity": "root@example.com", "password": "otherpass1234"},
        )
        assert login.status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
    assert proc.returncode == 0, err


def test_sigterm_finishes_in_flight_requests(tmp_path):
    """Requests already being served when SIGTERM arrives still get their answers."""
    data = tmp_path / "data"
    subprocess.run(
        [BASTION, "superuser", "upsert", "root@example.com", "rootpass1234", "--dir", str(data)],
        check=True,
        capture_output=True,
    )
    with serving(data) as (proc, base):
        body = b'{"identity": "root@example.com", "password": "rootpass1234"}'

        def slow_body():  # the request is in flight while its body still trickles in
            yield body[:10]
            time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            yield body[10:]

        r = httpx.post(
            f"{base}/api/collections/_superusers/auth-with-password",
            content=slow_body(),
            headers={"content-type": "application/json"},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        assert r.json()["record"]["email"] == "root@example.com"
        assert_exits_cleanly(proc, timeout=20)
