"""The HTTP/3 listener's process: hypercorn serving the API over QUIC with aioquic.

granian (2.8) has no HTTP/3, so `bastion serve --http3` starts this beside granian's workers
(`python -m bastion.cli.http3_process HOST:PORT`, supervised by http3_listener.py). It builds
the app as a granian worker does (`bastion.api.server:create`, from the environment serve
exported: the same database, realtime broker and certificate files) and serves it on one UDP
socket, with no TCP listener of its own. One process, one event loop: it is a second way in,
not a second pool of workers.

It stops on SIGTERM or SIGINT (gracefully, within `shutdown_timeout`), and on its own when the
serve process that started it is gone (killed with SIGKILL, it cannot stop its children): an
orphan would keep the UDP port and the database open.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from typing import Any

PARENT_CHECK_SECONDS = 1.0
WAKE_DELAYS = (0.05, 0.3, 1.0)  # after the trigger returns, once hypercorn has marked itself stopping


def wake(address: str) -> None:
    """One byte to the listener's own socket (not QUIC: it is dropped unread); with no
    connection left, hypercorn's loop then ends at once. Connections still open get the graceful
    timeout."""
    host, port = address.rsplit(":", 1)
    host = host.strip("[]")
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as sender:
        sender.sendto(b"\0", (host, int(port)))


def hypercorn_config(address: str, cert: str, key: str, graceful: float) -> Any:
    from hypercorn.config import Config

    class ListenerConfig(Config):
        def response_headers(self, protocol: str) -> list[tuple[bytes, bytes]]:
            # hypercorn adds its own Alt-Svc (`ma=3600`) to every answer; the app already sends
            # the one every https answer carries: one header, the same on every listener
            return [h for h in super().response_headers(protocol) if h[0] != b"alt-svc"]

    config = ListenerConfig()
    config.bind = []  # no TCP: granian serves HTTP/1.1 and HTTP/2
    config.quic_bind = [address]
    config.certfile, config.keyfile = cert, key
    config.graceful_timeout = graceful
    config.accesslog = None  # the app logs each request itself (the access log, `_logs`)
    config.errorlog = "-"
    config.loglevel = "WARNING"
    config.include_server_header = False
    return config


async def serve(address: str) -> None:
    from hypercorn.asyncio import serve as hypercorn_serve

    from bastion.api.server import SERVE_PID_VARIABLE, create
    from bastion.config import load_config

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # serve's pid as serve exported it, not getppid() now: serve may have died while this
    # process was still importing, and its parent would then already be init
    parent = int(os.environ.get(SERVE_PID_VARIABLE) or os.getppid())

    async def watch_parent() -> None:
        while os.getppid() == parent:
            await asyncio.sleep(PARENT_CHECK_SECONDS)
        stop.set()

    watcher = asyncio.create_task(watch_parent())

    async def shutdown_trigger() -> None:
        await stop.wait()
        # hypercorn's QUIC loop only sees that it is stopping when a datagram arrives: without
        # one it would wait out the whole graceful timeout even with no connection open
        for delay in WAKE_DELAYS:
            loop.call_later(delay, wake, address)

    settings = load_config()  # serve exported them, with the certificate files' absolute paths
    config = hypercorn_config(address, settings.tls_cert, settings.tls_key, settings.shutdown_timeout)
    try:
        await hypercorn_serve(create(), config, shutdown_trigger=shutdown_trigger)
    finally:
        watcher.cancel()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bastion.cli.http3_process HOST:PORT")
    import uvloop  # granian's workers run on it too (granian[uvloop], a dependency)

    uvloop.run(serve(sys.argv[1]))


if __name__ == "__main__":
    main()
