"""`bastion serve --https … --http3 …`: the API over HTTP/3 (QUIC) from hypercorn's process beside
granian, with a real HTTP/3 client (aioquic's, tests/support/http3_client.py): the health check,
a record created, signed in and listed, a realtime SSE stream receiving an event of a write made
over HTTP/2 (another process), `Alt-Svc` on the https answers, and the one-line refusals
(docs/protocols.md, "HTTP/3")."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bastion.config import ConfigError, load_config
from tests.cli.test_serve_tls import make_pair, trusting
from tests.support.http3_client import http3_client
from tests.support.serve_process import BASTION, ServeProcess, free_port, stop_serve, wait_until_healthy

pytestmark = pytest.mark.timeout(90)


class Server:
    def __init__(self, proc: ServeProcess, port: int, cert: Path) -> None:
        self.proc, self.port, self.cert = proc, port, cert
        self.base = f"https://localhost:{port}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """--dev's certificate; HTTP/3 on the https port number (UDP beside TCP, as on port 443)."""
    data = tmp_path_factory.mktemp("http3") / "data"
    port = free_port()
    address = f"127.0.0.1:{port}"
    proc = ServeProcess(
        [BASTION, "serve", "--dir", str(data), "--dev", "--https", address, "--http", "off"]
        + ["--http3", address, "--workers", "1"]
    )
    cert = data / "tls" / "dev-cert.pem"
    deadline = time.monotonic() + 30
    while not cert.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        if not wait_until_healthy(f"https://localhost:{port}", proc, 30, verify=trusting(cert)):
            raise AssertionError(f"bastion serve did not start:\n{proc.stderr_so_far()[-2000:]}")
        running = Server(proc, port, cert)
        asyncio.run(_until_http3_answers(running))
        yield running
    finally:
        stop_serve(proc)


async def _until_http3_answers(server: Server) -> None:
    """The HTTP/3 process starts beside granian's workers: wait for its first answer."""
    deadline = time.monotonic() + 30
    while True:
        try:
            async with http3_client("127.0.0.1", server.port, server.cert, idle_timeout=1) as client:
                if (await client.request("GET", "/api/health")).status == 200:
                    return
        except ConnectionError:
            pass
        if time.monotonic() > deadline or server.proc.poll() is not None:
            raise AssertionError(f"no HTTP/3 answer:\n{server.proc.stderr_so_far()[-2000:]}")
        await asyncio.sleep(0.2)


def _json(body: bytes) -> dict:
    return json.loads(body)


async def test_health_and_a_record_list_over_http3(server):
    user = {"email": "h3@example.com", "password": "secret-h3-pass", "passwordConfirm": "secret-h3-pass"}
    json_type = {"content-type": "application/json"}
    async with http3_client("127.0.0.1", server.port, server.cert) as client:
        health = await client.request("GET", "/api/health")
        created = await client.request(
            "POST", "/api/collections/users/records", json.dumps(user).encode(), json_type
        )
        signed_in = await client.request(
            "POST",
            "/api/collections/users/auth-with-password",
            json.dumps({"identity": user["email"], "password": user["password"]}).encode(),
            json_type,
        )
        token = _json(signed_in.body)["token"]
        listed = await client.request(
            "GET", "/api/collections/users/records?sort=-created", headers={"authorization": token}
        )
    assert (health.status, _json(health.body)["message"]) == (200, "API is healthy.")
    assert health.headers["alt-svc"] == f'h3=":{server.port}"; ma=86400'  # the app's, once
    assert created.status == 200, created.body
    assert listed.status == 200, listed.body
    assert [item["email"] for item in _json(listed.body)["items"]] == [user["email"]]


async def test_realtime_sse_over_http3_receives_a_write_made_over_http2(server):
    user = {"email": "sse@example.com", "password": "secret-sse-pass", "passwordConfirm": "secret-sse-pass"}
    async with httpx.AsyncClient(base_url=server.base, http2=True, verify=trusting(server.cert)) as https:
        created = (await https.post("/api/collections/users/records", json=user)).json()
        signed_in = await https.post(
            "/api/collections/users/auth-with-password",
            json={"identity": user["email"], "password": user["password"]},
        )
        token = signed_in.json()["token"]
        async with http3_client("127.0.0.1", server.port, server.cert) as client:
            stream = client.open("GET", "/api/realtime")
            head = await stream.head()
            chunks = stream.chunks()
            connect = await anext(chunks)
            assert b"event:PB_CONNECT" in connect
            client_id = _json(connect.split(b"data:", 1)[1])["clientId"]
            # the subscription and the write go through granian's worker: the events reach the
            # HTTP/3 process through the node's broker
            subscribed = await https.post(
                "/api/realtime",
                json={"clientId": client_id, "subscriptions": [f"users/{created['id']}"]},
                headers={"Authorization": token},
            )
            assert subscribed.status_code == 204, subscribed.text
            updated = await https.patch(
                f"/api/collections/users/records/{created['id']}",
                json={"name": "over h3"},
                headers={"Authorization": token},
            )
            assert (updated.status_code, updated.http_version) == (200, "HTTP/2")
            event = await anext(chunks)
    assert (head.status, head.headers["content-type"]) == (200, "text/event-stream")
    assert f"event:users/{created['id']}".encode() in event
    message = _json(event.split(b"data:", 1)[1])
    assert (message["action"], message["record"]["name"]) == ("update", "over h3")


def test_https_answers_advertise_http3(server):
    with httpx.Client(http2=True, verify=trusting(server.cert)) as client:
        h2 = client.get(f"{server.base}/api/health")
    with httpx.Client(verify=trusting(server.cert)) as client:
        h1 = client.get(f"{server.base}/api/health")
    assert (h2.http_version, h1.http_version) == ("HTTP/2", "HTTP/1.1")
    for answer in (h2, h1):
        assert answer.headers.get_list("alt-svc") == [f'h3=":{server.port}"; ma=86400']


def test_a_listener_that_dies_is_started_again(server):
    """The HTTP/3 process killed (as by the OOM killer): serve says so and starts another."""
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
    listener = [pid for pid in children if b"http3_process" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert len(listener) == 1, children
    os.kill(int(listener[0]), signal.SIGKILL)
    server.proc.wait_for_line(re.compile(r"the HTTP/3 listener exited \(status -9\); starting it again"), 10)
    asyncio.run(_until_http3_answers(server))


def test_a_changed_certificate_is_served_over_http3(server, tmp_path):
    """The watch that respawns granian's workers restarts the HTTP/3 process on the new pair."""
    new_cert, new_key = make_pair(tmp_path)
    old = server.cert.read_bytes()
    shutil.copyfile(new_key, server.cert.with_name("dev-key.pem"))
    shutil.copyfile(new_cert, server.cert)
    assert server.cert.read_bytes() != old

    async def served_with_the_new_one() -> None:
        deadline = time.monotonic() + 20
        while True:  # the watch looks every 2 s
            try:
                async with http3_client("127.0.0.1", server.port, new_cert, idle_timeout=1) as client:
                    assert (await client.request("GET", "/api/health")).status == 200
                    return
            except ConnectionError:
                assert time.monotonic() < deadline, server.proc.stderr_so_far()[-2000:]
                await asyncio.sleep(0.2)

    asyncio.run(served_with_the_new_one())


def test_serve_stops_at_once_when_no_http3_client_is_connected(server):
    """The last test on the server: hypercorn's QUIC loop is woken to see it must stop, rather
    than waiting out shutdown_timeout (10 s)."""
    started = time.monotonic()
    server.proc.terminate()
    assert server.proc.wait(20) == 0
    assert time.monotonic() - started < 5
    # only the kill of the earlier test was reported: neither the stop nor the certificate's restart
    assert server.proc.stderr_so_far().count("the HTTP/3 listener exited") == 1


def test_a_taken_udp_address_is_one_line(tmp_path):
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", port))
        done = subprocess.run(
            [
                BASTION,
                "serve",
                "--dir",
                str(tmp_path / "data"),
                "--dev",
                "--https",
                f"127.0.0.1:{free_port()}",
            ]
            + ["--http3", f"127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 1, done.stderr
    assert (
        done.stderr.strip()
        == f"Error: cannot listen on 127.0.0.1:{port} (--http3, UDP): Address already in use"
    )


def test_http3_needs_https_and_a_port():
    with pytest.raises(ConfigError, match="--http3 needs https"):
        load_config({"http3": "127.0.0.1:8443"}, environ={}, flags={"http3": "--http3"})
    with pytest.raises(ConfigError, match="must be HOST:PORT"):
        load_config({"http3": "8443", "https": "127.0.0.1:8443", "dev": True}, environ={})
    cfg = load_config({"http3": "[::]:443", "https": "[::]:443", "dev": True}, environ={})
    assert cfg.alt_svc == 'h3=":443"; ma=86400'
    assert load_config(environ={}).alt_svc == ""


def test_without_the_packages_http3_is_one_line(tmp_path):
    """find_spec answers None for a module set to None in sys.modules: as if not installed."""
    port = free_port()
    run = (
        "import sys; sys.modules['aioquic'] = None; from bastion.cli.main import main; "
        f"sys.argv = ['bastion', 'serve', '--dir', {str(tmp_path / 'data')!r}, '--dev', "
        f"'--https', '127.0.0.1:{port}', '--http3', '127.0.0.1:{port}']; main()"
    )
    done = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (
        "Error: --http3 needs hypercorn and aioquic (aioquic is not installed): "
        "pip install 'bastion[http3]' (or: uv pip install aioquic hypercorn)"
    )
    assert not (tmp_path / "data").exists()
