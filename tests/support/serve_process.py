"""Start a real `bastion serve` subprocess on a free loopback port and wait until it is healthy
(shared by the CLI and realtime tests that need the server as users run it); and the two pieces
every test that starts a server needs: `free_port` and `wait_until_healthy` (the compat launcher,
tests/compat/servers.py, uses them for PocketBase and Bastion alike)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

BASTION = str(Path(sys.executable).with_name("bastion"))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_until_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float, verify: Any = True) -> bool:
    """Poll `base`/api/health until it answers 200 (True), or until `proc` exits or `timeout`
    seconds pass (False; the caller stops the process and shows its log). `verify`: httpx's, for
    an https `base` (an ssl.SSLContext that trusts the server's certificate)."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health", timeout=1, verify=verify).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False


class ServeProcess(subprocess.Popen[bytes]):
    """A server whose stderr is read as it comes, by a thread, and kept for the test.

    A pipe nobody reads fills after ~64 KiB (a few hundred access-log lines) and then every write
    to stderr blocks the server: a long test would stall. `communicate()` answers as Popen's
    does once the process has exited (stdout None, all of stderr); `wait_for_line` reads the
    log while the server runs."""

    def __init__(self, args: list[str], **kwargs: Any) -> None:
        super().__init__(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
        self._lines: list[bytes] = []
        self._more = threading.Condition()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.stderr is not None
        with self.stderr:  # closed at the end of the stream, as Popen.communicate would
            for line in iter(self.stderr.readline, b""):
                with self._more:
                    self._lines.append(line)
                    self._more.notify_all()

    def stderr_so_far(self) -> str:
        with self._more:
            return b"".join(self._lines).decode(errors="replace")

    def wait_for_line(self, pattern: Any, timeout: float) -> str:
        """The first stderr line matching the compiled regex `pattern` (AssertionError after
        `timeout` s, with what was read)."""
        deadline, seen = time.monotonic() + timeout, 0
        with self._more:
            while True:
                for line in self._lines[seen:]:
                    text = line.decode(errors="replace")
                    if pattern.search(text):
                        return text
                seen = len(self._lines)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no line matching {pattern.pattern!r} in:\n{self.stderr_so_far()}")
                self._more.wait(left)

    def communicate(self, input: Any = None, timeout: float | None = None) -> tuple[Any, bytes]:  # noqa: A002
        self.wait(timeout)
        # granian's workers may hold the pipe a moment after the main process: bounded
        self._reader.join(5)
        with self._more:
            return None, b"".join(self._lines)


def start_serve(
    data_dir: Path,
    timeout: float = 30,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    bastion: str = BASTION,
    bastion_prefix: tuple[str, ...] = (),
) -> tuple[ServeProcess, str]:
    """(process, base URL); stdout discarded, stderr kept by ServeProcess (read it with
    `communicate()` after exit, or `wait_for_line` while the server runs).
    `args` are more `serve` flags, `env` more environment variables, `bastion` another install's
    command, `bastion_prefix` a command that runs it (e.g. taskset)."""
    port = free_port()
    proc = ServeProcess(
        [*bastion_prefix, bastion, "serve", "--http", f"127.0.0.1:{port}", "--dir", str(data_dir), *args],
        env={**os.environ, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    if wait_until_healthy(base, proc, timeout):
        return proc, base
    proc.kill()
    _, err = proc.communicate()
    raise AssertionError(f"bastion serve did not start:\n{err.decode(errors='replace')[-2000:]}")


@contextmanager
def serving(data_dir: Path, **kwargs: Any) -> Iterator[tuple[ServeProcess, str]]:
    """`start_serve` for a with-block: a server still running at its end is stopped.

    SIGTERM first: SIGKILL of granian's main process leaves its workers running (they hold the
    port and the stderr pipe, so reading it never ends); SIGKILL only if SIGTERM is not enough."""
    proc, base = start_serve(data_dir, **kwargs)
    try:
        yield proc, base
    finally:
        if proc.poll() is None:
            stop_serve(proc)


def stop_serve(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the server has not exited within 20 s (see `serving`)."""
    proc.terminate()
    try:
        proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def assert_exits_cleanly(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait up to `timeout` s for the server (already signalled) to exit with status 0."""
    _, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err


def spawn_in_own_group(
    data_dir: Path, port: int, args: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`bastion serve` in a session of its own, so `kill_group` reaches granian's workers too
    (the crash tests); the caller waits for health."""
    return subprocess.Popen(
        [BASTION, "serve", "--http", f"127.0.0.1:{port}", "--dir", str(data_dir), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the server's whole process group: the main process and every worker."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
