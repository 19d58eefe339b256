"""Starting and stopping the embedded broker (broker.py) around `bastion serve`'s workers.

Called by the serve command before granian forks its workers: with several workers and
`realtime_pubsub = memory`, the broker process starts on a Unix socket in the data directory and
its path goes to the workers in BASTION_REALTIME_BROKER (pubsub_open.node_pubsub_url). A broker
of its own rather than a thread of the serve process: granian forks its workers from that
process, and forking a process that runs other threads can deadlock the child.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bastion.bus.pubsub import backend_kind
from bastion.bus.pubsub_open import BROKER_ENV

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
_MAX_SOCKET_PATH = 100  # Unix socket paths are limited to about 104-108 bytes


def socket_path(data_dir: Path, port: int) -> str:
    """The broker's socket: in the data directory, or in the temporary directory when that path
    would be too long for a Unix socket."""
    path = str(data_dir.resolve() / f".realtime-broker-{port}.sock")
    if len(path.encode()) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(path.encode()).hexdigest()[:16]
    return str(Path(tempfile.gettempdir()) / f"bastion-realtime-{digest}.sock")


def wanted(workers: int, pubsub_url: str) -> bool:
    """Whether these workers need the broker: several of them, and no pub/sub service configured."""
    return workers > 1 and backend_kind(pubsub_url) == "memory"


@contextlib.contextmanager
def embedded_broker(data_dir: Path, port: int, workers: int, pubsub_url: str) -> Iterator[str | None]:
    """Run the broker while the block runs, when `wanted`; yields its socket path (or None)."""
    if not wanted(workers, pubsub_url):
        yield None
        return
    path = socket_path(data_dir, port)
    process = subprocess.Popen([sys.executable, "-m", "bastion.bus.broker", path], stdin=subprocess.DEVNULL)
    try:
        _wait_listening(process, path)
        os.environ[BROKER_ENV] = path
        yield path
    finally:
        os.environ.pop(BROKER_ENV, None)
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with contextlib.suppress(FileNotFoundError):
            Path(path).unlink()


def _wait_listening(process: subprocess.Popen[bytes], path: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the realtime broker exited at start (code {process.returncode})")
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
            probe.connect(path)
            return
        time.sleep(0.02)
    raise RuntimeError(f"the realtime broker did not listen on {path} within {START_TIMEOUT:.0f} s")
