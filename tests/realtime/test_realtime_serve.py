"""`bastion serve` with realtime streams open: SIGTERM ends them with a retry hint and exits."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

BASTION = str(Path(sys.executable).with_name("bastion"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sigterm_ends_open_streams_and_exits_promptly(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [BASTION, "serve", "--http", f"127.0.0.1:{port}", "--dir", str(tmp_path / "data")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)

        received: list[str] = []
        connected = threading.Event()

        def read_stream() -> None:
            with httpx.stream("GET", f"{base}/api/realtime", timeout=30) as r:
                for line in r.iter_lines():
                    received.append(line)
                    if line.startswith("event:PB_CONNECT"):
                        connected.set()

        readers = [threading.Thread(target=read_stream) for _ in range(3)]
        for t in readers:
            t.start()
            assert connected.wait(10), "no PB_CONNECT"
            connected.clear()

        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=8)  # well under the 10 s kill timeout
        assert proc.returncode == 0, err
        for t in readers:
            t.join(5)
            assert not t.is_alive(), "a stream stayed open after the server exited"
        assert received.count("retry:1000") == 3  # every stream told its client to come back
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
