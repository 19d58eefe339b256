"""The plain-HTTP listener of `bastion serve --https … --http …`: every request is answered with a
308 redirect to the same path on https.

One granian server listens on one address, so this is a second, tiny server: the standard
library's threading HTTP server, in a thread of the serve process (not a worker). It parses
requests with http.server, answers without reading a body, and closes the connection; it never
reaches the App. Redirecting is all it does, so a thread per connection (with a 10 s socket
timeout) is enough, and no second granian process has to be started, watched and stopped.

granian forks its workers from this process; a worker must not keep the redirect socket open
(it would hold the port after the server stops), so a fork closes it in the child.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A Host header we copy into Location: a DNS name, an IPv4 or a bracketed IPv6 literal, and a port.
_HOST = re.compile(r"^(?P<name>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_open_servers: list[ThreadingHTTPServer] = []
MAX_CONNECTIONS = 256  # connections being answered at once; more are closed on arrival


def _close_in_child() -> None:
    for server in _open_servers:
        server.socket.close()
    _open_servers.clear()


os.register_at_fork(after_in_child=_close_in_child)


class _Redirect(BaseHTTPRequestHandler):
    server: _RedirectServer
    timeout = 10  # seconds a client may take to send its request line and headers
    protocol_version = "HTTP/1.1"

    def _redirect(self) -> None:
        host = _HOST.match(self.headers.get("Host", "") or "")
        name = host.group("name") if host else self.server.default_host
        port = self.server.https_port
        path = self.path if self.path.startswith("/") else "/"
        self.send_response(308)
        self.send_header("Location", f"https://{name}{'' if port == 443 else f':{port}'}{path}")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _redirect

    def version_string(self) -> str:
        return "bastion"  # not the Python version, which http.server would send

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass  # the workers log requests; a redirect is not one


class _RedirectServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, ip: str, port: int, https_host: str, https_port: int, max_connections: int = MAX_CONNECTIONS
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        self.https_port = https_port
        wildcard = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}
        self.default_host = wildcard.get(https_host, f"[{https_host}]" if ":" in https_host else https_host)
        # A thread per connection, each held up to the 10 s timeout by a client that sends
        # nothing: without a cap, idle connections would cost the serve process a thread each.
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__((ip, port), _Redirect)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # over the cap: closed at once
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class HttpsRedirect:
    """Serves the redirects from `start()` until `close()`; OSError from the constructor when the
    address cannot be bound."""

    def __init__(
        self, ip: str, port: int, https_host: str, https_port: int, max_connections: int = MAX_CONNECTIONS
    ) -> None:
        self._server = _RedirectServer(ip, port, https_host, https_port, max_connections)
        _open_servers.append(self._server)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="https-redirect", kwargs={"poll_interval": 0.5}
        )

    def start(self) -> None:
        self._thread.daemon = True
        self._thread.start()

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        if self._server in _open_servers:
            _open_servers.remove(self._server)
