"""`bastion serve --https`: TLS with HTTP/2 by ALPN, h2c on plain TCP, the http listener's
redirects, HSTS, the development certificate, reloading a changed certificate, and the one-line
refusals of a bad certificate (docs/protocols.md). Real servers, real clients (httpx with h2)."""

from __future__ import annotations

import re
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.serve_process import (
    BASTION,
    ServeProcess,
    free_port,
    serving,
    stop_serve,
    wait_until_healthy,
)


def trusting(cert: Path) -> ssl.SSLContext:
    """A client context that trusts just this (self-signed) certificate."""
    return ssl.create_default_context(cafile=str(cert))


def make_pair(folder: Path) -> tuple[Path, Path]:
    """A fresh self-signed pair for localhost, as a user's own certificate files."""
    from bastion.cli.tls_files import dev_certificate

    files = dev_certificate(folder)
    return files.cert, files.key


def start_tls(data_dir: Path, ca: Path | None, *args: str) -> tuple[ServeProcess, str, str]:
    """`bastion serve --https` (and `--http`, the redirects) on free ports, healthy over https:
    (process, https base, http base). `ca`: the certificate to trust (None: the one --dev makes)."""
    https_port, http_port = free_port(), free_port()
    proc = ServeProcess(
        [
            BASTION,
            "serve",
            "--dir",
            str(data_dir),
            "--https",
            f"127.0.0.1:{https_port}",
            "--http",
            f"127.0.0.1:{http_port}",
            "--workers",
            "1",
            *args,
        ]
    )
    base = f"https://localhost:{https_port}"
    deadline = time.monotonic() + 30
    while ca is None and not (data_dir / "tls" / "dev-cert.pem").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    verify = trusting(ca or data_dir / "tls" / "dev-cert.pem")
    if not wait_until_healthy(base, proc, 30, verify=verify):
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"bastion serve --https did not start:\n{err.decode(errors='replace')[-2000:]}")
    return proc, base, f"http://127.0.0.1:{http_port}"


@pytest.fixture(scope="module")
def given(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path, Path, ServeProcess]]:
    """A server with the user's own certificate: (https base, http base, cert, key, process)."""
    root = tmp_path_factory.mktemp("tls_given")
    cert, key = make_pair(root / "certs")
    proc, base, plain = start_tls(root / "data", cert, "--tls-cert", str(cert), "--tls-key", str(key))
    try:
        yield base, plain, cert, key, proc
    finally:
        stop_serve(proc)


def test_http2_by_alpn_over_tls(given):
    base, _, cert, _, _ = given
    with httpx.Client(http2=True, verify=trusting(cert)) as client:
        health = client.get(f"{base}/api/health")
        records = client.get(f"{base}/api/collections/users/records")
    assert (health.status_code, health.http_version) == (200, "HTTP/2")
    assert (records.status_code, records.http_version) == (200, "HTTP/2")
    assert records.json()["items"] == []
    assert health.headers["strict-transport-security"].startswith("max-age=")


def test_http11_over_tls_still_works(given):
    base, _, cert, _, _ = given
    with httpx.Client(verify=trusting(cert)) as client:  # ALPN offers http/1.1 only
        r = client.get(f"{base}/api/health")
    assert (r.status_code, r.http_version) == (200, "HTTP/1.1")
    assert "strict-transport-security" in r.headers


def test_the_http_listener_redirects_to_https(given):
    base, plain, _, _, _ = given
    for method in ("GET", "POST"):
        r = httpx.request(method, f"{plain}/api/health?x=1")
        assert r.status_code == 308
        assert r.headers["location"] == f"https://127.0.0.1:{base.rsplit(':', 1)[1]}/api/health?x=1"
        assert "strict-transport-security" not in r.headers
    named = httpx.get(f"{plain}/_/", headers={"Host": "example.test:80"})
    assert named.headers["location"] == f"https://example.test:{base.rsplit(':', 1)[1]}/_/"


def test_realtime_websocket_over_tls(given):
    from websockets.sync.client import connect

    base, _, cert, _, _ = given
    with connect(
        f"wss://{base.removeprefix('https://')}/api/realtime/ws", ssl=trusting(cert), open_timeout=5
    ) as ws:
        assert '"type":"connect"' in str(ws.recv(timeout=5))


def test_sighup_with_a_broken_certificate_keeps_the_workers(given):
    base, _, cert, _, proc = given
    good = cert.read_bytes()
    cert.write_text("not a certificate\n")
    try:
        proc.send_signal(signal.SIGHUP)
        proc.wait_for_line(re.compile("SIGHUP: the workers keep serving the previous certificate"), 10)
    finally:
        cert.write_bytes(good)
    assert httpx.get(f"{base}/api/health", verify=trusting(cert)).status_code == 200


def test_a_changed_certificate_is_served_without_a_restart(given, tmp_path):
    base, _, cert, key, _ = given
    new_cert, new_key = make_pair(tmp_path)
    shutil.copyfile(new_key, key)
    shutil.copyfile(new_cert, cert)
    deadline = time.monotonic() + 20
    while True:  # the watch looks every 2 s; granian then starts a new worker beside the old one
        try:
            r = httpx.get(f"{base}/api/health", verify=trusting(new_cert))
            break
        except httpx.ConnectError:
            assert time.monotonic() < deadline, "the new certificate was not served"
            time.sleep(0.2)
    assert r.status_code == 200


def test_dev_certificate_and_h2c_on_plain_http(tmp_path):
    """--dev's certificate: made in the data dir, key 0600, trusted as its own CA, no HSTS (it
    would pin localhost to https); and the plain listener of a server without TLS speaks h2c."""
    proc, base, plain = start_tls(tmp_path / "data", None, "--dev")
    try:
        cert = tmp_path / "data" / "tls" / "dev-cert.pem"
        assert (cert.parent / "dev-key.pem").stat().st_mode & 0o777 == 0o600
        with httpx.Client(http2=True, verify=trusting(cert)) as client:
            r = client.get(f"{base}/api/health")
        assert (r.status_code, r.http_version) == (200, "HTTP/2")
        assert "strict-transport-security" not in r.headers
        assert httpx.get(f"{plain}/api/health").status_code == 308
    finally:
        stop_serve(proc)
    with serving(tmp_path / "plain") as (_, plain_base):
        with httpx.Client(http1=False, http2=True) as client:  # prior knowledge, no upgrade
            h2c = client.get(f"{plain_base}/api/health")
        h1 = httpx.get(f"{plain_base}/api/health")
    assert (h2c.status_code, h2c.http_version) == (200, "HTTP/2")
    assert (h1.status_code, h1.http_version) == (200, "HTTP/1.1")
    assert "strict-transport-security" not in h2c.headers


def refused(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    port = free_port()
    return subprocess.run(
        [BASTION, "serve", "--dir", str(tmp_path / "data"), "--https", f"127.0.0.1:{port}", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_bad_certificate_input_is_one_line_before_binding(tmp_path):
    cert, key = make_pair(tmp_path / "a")
    other_cert, _ = make_pair(tmp_path / "b")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    cases = [
        (("--tls-cert", str(cert)), 2, "--tls-cert needs --tls-key too"),
        ((), 2, "--https needs a certificate: give --tls-cert FILE and --tls-key FILE"),
        (("--tls-cert", str(tmp_path / "none.pem"), "--tls-key", str(key)), 1, "--tls-cert: no file"),
        (
            ("--tls-cert", str(other_cert), "--tls-key", str(key)),
            1,
            "is not the private key of the certificate",
        ),
        (("--tls-cert", str(garbage), "--tls-key", str(key)), 1, "cannot load the certificate"),
    ]
    for args, code, message in cases:
        r = refused(tmp_path, *args)
        assert r.returncode == code, (args, r.stderr)
        assert message in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 or code == 2, r.stderr
    assert not (tmp_path / "data").exists()  # refused before anything was made
    plain = subprocess.run(
        [BASTION, "serve", "--dir", str(tmp_path / "data"), "--tls-key", str(key)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert plain.returncode == 2 and "--tls-key is only used with https" in plain.stderr
