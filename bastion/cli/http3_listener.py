"""`bastion serve --http3`: starts the HTTP/3 process (http3_process.py) and keeps it running.

A process rather than a thread of serve: the listener needs the whole app (the App, its
database pool, an event loop), which the serve process does not build, and granian forks its
workers from serve, which is safest with as little running in it as possible. A process of its
own, not a granian worker, because granian has no HTTP/3 to hand it.

The supervision is one thread waiting on the child: when it exits while serve runs (a crash,
the OOM killer) it is started again, after 1 s doubling to 30 s while it keeps failing fast, so
a listener that cannot start (its port taken meanwhile) costs a line every 30 s, not a loop.
`restart()` (a new certificate) stops it gracefully and the thread starts the next one; `close()`
stops it with serve. HTTP/3 clients whose connection closes fall back to the https listener
(HTTP/2) or reconnect.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
HEALTHY_AFTER = 60.0  # a run this long resets the delay: the failure was not at start


def missing_package() -> str | None:
    """The first package --http3 needs that is not installed (looked up, not imported: serve
    itself never runs them), else None."""
    for module in ("hypercorn", "aioquic"):
        if importlib.util.find_spec(module) is None:
            return module
    return None


def check_udp_free(host: str, port: int) -> None:
    """Bind the UDP address once and let it go: a taken one raises OSError here, as one line
    before anything starts, rather than later in the child's log."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        probe.bind((host, port))


class Http3Listener:
    def __init__(self, address: str, report: Callable[[str], None], stop_timeout: float) -> None:
        self.address = address
        self.report = report
        self.stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._restarting = False  # the running child was stopped on purpose (restart)
        self._thread = threading.Thread(target=self._supervise, name="bastion-http3", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> None:
        with self._lock:
            if self._closing.is_set():
                return
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bastion.cli.http3_process", self.address], stdin=subprocess.DEVNULL
            )

    def _supervise(self) -> None:
        delay = FIRST_DELAY
        while not self._closing.is_set():
            process = self._process
            if process is None:
                return
            started = time.monotonic()
            code = process.wait()
            if self._closing.is_set():
                return
            with self._lock:
                asked, self._restarting = self._restarting, False
            if asked:
                delay = FIRST_DELAY  # a new certificate: start the next one at once
            else:
                if time.monotonic() - started >= HEALTHY_AFTER:
                    delay = FIRST_DELAY
                self.report(f"the HTTP/3 listener exited (status {code}); starting it again in {delay:.0f} s")
                if self._closing.wait(delay):
                    return
                delay = min(delay * 2, MAX_DELAY)
            self._spawn()

    def restart(self) -> None:
        """Stop the running listener gracefully; the supervisor starts a new one (which reads the
        certificate files again)."""
        with self._lock:
            process = self._process
            if process is None or process.poll() is not None:
                return
            self._restarting = True
            process.terminate()

    def close(self) -> None:
        with self._lock:
            self._closing.set()
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(self.stop_timeout + 5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._thread.join(5)
