"""Claiming the listen address before `bastion serve` starts its workers.

granian binds each worker's socket with SO_REUSEPORT, which lets any other process of the same
user bind the same address too: a second `bastion serve` on a busy port started, and the kernel
split the connections between two servers on two databases. So before anything starts:

1. a probe socket binds the address *without* SO_REUSEPORT (with SO_REUSEADDR, so a port in
   TIME_WAIT after a restart is fine): the kernel refuses it while anything listens there,
   granian-style reuse-port listeners included;
2. on Linux, an abstract Unix socket named after the address is held for the life of the
   process, so two servers started at the same moment (both past the probe, neither listening
   yet) cannot both go on.

The probe is closed again before granian binds; the name lock is what covers that gap.
"""

from __future__ import annotations

import errno
import socket
import sys
from dataclasses import dataclass


class AddressError(Exception):
    """The address cannot be served; the message is one line for the user."""


@dataclass
class AddressClaim:
    """Held by the serving process; closing it (or exiting) frees the address for another server.
    `ip` is the address resolved (granian binds IP literals only; `--http localhost:8090` works)."""

    ip: str
    lock: socket.socket | None

    def close(self) -> None:
        if self.lock is not None:
            self.lock.close()
            self.lock = None


def _resolve(host: str, port: int, shown: str) -> tuple[int, tuple[object, ...]]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressError(f"cannot listen on {shown}: unknown host {host!r} ({exc})") from None
    family, _, _, _, sockaddr = infos[0]
    return family, sockaddr


def _lock(family: int, sockaddr: tuple[object, ...], shown: str) -> socket.socket | None:
    if not sys.platform.startswith("linux"):
        return None  # abstract sockets are Linux's; elsewhere the probe alone decides
    lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        lock.bind(f"\0bastion-serve {family} {sockaddr[0]} {sockaddr[1]}")
    except OSError as exc:
        lock.close()
        if exc.errno == errno.EADDRINUSE:
            raise AddressError(
                f"cannot listen on {shown}: another bastion serve is already using this address"
            ) from None
        return None  # no lock available here; the probe still refuses a busy address
    return lock


def _probe(family: int, sockaddr: tuple[object, ...], shown: str) -> None:
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(sockaddr)
    except OSError as exc:
        reason = {
            errno.EADDRINUSE: "the address is already in use (another server is listening there)",
            errno.EACCES: "permission denied (ports below 1024 need privileges)",
            errno.EADDRNOTAVAIL: "this machine has no such address",
        }.get(exc.errno or 0, exc.strerror or str(exc))
        raise AddressError(f"cannot listen on {shown}: {reason}") from None
    finally:
        probe.close()


def claim_address(host: str, port: int, shown: str) -> AddressClaim:
    """Refuse an address another server holds, and hold it against servers starting now.
    `shown` names the address as the user gave it (`--http 127.0.0.1:8090`)."""
    family, sockaddr = _resolve(host, port, shown)
    lock = _lock(family, sockaddr, shown)
    try:
        _probe(family, sockaddr, shown)
    except AddressError:
        if lock is not None:
            lock.close()
        raise
    return AddressClaim(str(sockaddr[0]), lock)
