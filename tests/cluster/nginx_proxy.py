"""A real nginx in front of several `bastion serve` nodes, round-robin on loopback.

nginx runs as a subprocess in the foreground (`daemon off`) with a config, pid file, logs and
temporary directories in a work directory of its own: no system service, nothing under /etc or
/var. The config is the reference one docs/scaling.md shows: round-robin over the nodes, HTTP/1.1
keep-alive to them, and what Server-Sent Events need from a proxy (no response buffering, an
hour's read timeout, WebSocket upgrades passed on).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 10.0

CONFIG = """\
# Written by tests/cluster/nginx_proxy.py; docs/scaling.md shows it as the reference config.
{user}worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;

events {{
    worker_connections 16384;
}}

http {{
    access_log {work}/access.log;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;

    upstream bastion {{
        # round-robin, nginx's default: each request goes to the next node
{servers}
        keepalive 64;              # idle HTTP/1.1 connections kept open to the nodes
    }}

    # A WebSocket upgrade passes `Connection: upgrade` on; every other request sends an empty
    # Connection header, so the upstream connection stays open (keep-alive).
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      '';
    }}

    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 0;    # Bastion enforces its own body limit (max_body_bytes)
        # long filters: nginx's default (8 KB) refuses a request line PocketBase and Bastion take
        large_client_header_buffers 4 64k;

        location / {{
            proxy_pass http://bastion;
            proxy_http_version 1.1;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;

            # Server-Sent Events: every event goes out as soon as it is written, and an idle
            # stream stays open until the server ends it (after 5 idle minutes, as PocketBase;
            # the SDK then reconnects).
            proxy_buffering off;
            proxy_cache off;
            proxy_request_buffering off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;

            # a node that refuses the connection is skipped; a request it has begun is never
            # sent twice (nginx does not retry a POST or PATCH once it was sent)
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
        }}
    }}
}}
"""


class NginxMissing(RuntimeError):
    """nginx is not installed (Debian package `nginx`; .ci/run installs it)."""


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise NginxMissing("nginx is not installed (apt-get install nginx)")
    return found


def render_config(port: int, upstreams: list[str], work: Path) -> str:
    """The config for a proxy on 127.0.0.1:`port` over `upstreams` ("127.0.0.1:PORT" each)."""
    servers = "\n".join(f"        server {u};" for u in upstreams)
    # As root, nginx's workers would switch to `nobody`, who cannot enter a private temp dir.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return CONFIG.format(user=user, work=work, port=port, servers=servers)


@dataclass
class Nginx:
    """A running nginx; `base_url` is the proxy's address."""

    work: Path
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = (self.work / "error.log").read_text(errors="replace")
        except OSError:
            return "(no nginx error log)"
        return "\n".join(text.splitlines()[-lines:]) or "(nginx error log is empty)"

    def stop(self) -> None:
        """SIGTERM (fast shutdown: a graceful SIGQUIT would wait for open SSE streams), then KILL."""
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def start_nginx(work: Path, port: int, upstreams: list[str]) -> Nginx:
    """Write the config to `work`, check it (`nginx -t`), start nginx and wait for its port."""
    binary = nginx_binary()
    work.mkdir(parents=True, exist_ok=True)
    conf = work / "nginx.conf"
    conf.write_text(render_config(port, upstreams, work))
    base = [binary, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")]
    check = subprocess.run([*base, "-t"], capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t refused the config:\n{check.stderr}")
    proc = subprocess.Popen(
        [*base, "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    proxy = Nginx(work, port, proc)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited {proc.returncode}:\n{proxy.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proxy
        except OSError:
            time.sleep(0.05)
    proxy.stop()
    raise RuntimeError(f"nginx did not listen on {port} within {START_TIMEOUT}s:\n{proxy.log_tail()}")
