"""The plain-HTTP listener of `serve --https`: a redirect to https for every request, and a cap on
the connections it answers at once, so idle connections cannot take a thread each without end."""

from __future__ import annotations

import socket
import time

import httpx

from bastion.cli.https_redirect import HttpsRedirect
from tests.support.serve_process import free_port


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False


def test_redirects_and_closes_connections_over_the_cap():
    port = free_port()
    redirect = HttpsRedirect("127.0.0.1", port, "127.0.0.1", 8443, max_connections=2)
    redirect.start()
    idle: list[socket.socket] = []
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/api/health?x=1", follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (308, "https://127.0.0.1:8443/api/health?x=1")

        # two connections that send nothing hold both slots ...
        for _ in range(2):
            idle.append(socket.create_connection(("127.0.0.1", port)))
        time.sleep(0.2)  # let the server take them
        # ... so a third is closed at once, and the two are kept (until their 10 s timeout)
        with socket.create_connection(("127.0.0.1", port)) as third:
            assert _closed_by_server(third, within=2)
        assert not _closed_by_server(idle[0], within=0.2)

        # once one goes, a request is answered again
        idle.pop().close()
        time.sleep(0.2)
        r = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=False)
        assert r.status_code == 308
    finally:
        for sock in idle:
            sock.close()
        redirect.close()
