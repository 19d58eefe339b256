"""Where a webhook may be sent: http(s) only, and (unless allowed) never to a private address.

Without `webhooks_allow_private`, the host is resolved and EVERY address it resolves to is
checked: private (RFC 1918, unique-local fc00::/7), loopback, link-local (169.254/16, fe80::/10,
cloud metadata included), unspecified, multicast, reserved and shared (100.64/10) addresses are
refused, IPv4-mapped IPv6 addresses by their IPv4 meaning. The connection is then made to the
checked address itself (the URL's host becomes the address; `Host` and TLS SNI keep the name,
so certificates are verified against the name): a DNS answer that changes between the check and
the connection (DNS rebinding) cannot redirect the request, as the name is not resolved again.
Redirects are never followed (a 3xx is a failed attempt), so a public URL cannot bounce the
request to a private one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(Exception):
    """The URL may not be delivered to; the message says why (kept in the deliveries log)."""


class HostNotResolved(Exception):
    """The name did not resolve (now): a failed attempt, retried like any other."""


@dataclass(frozen=True)
class Target:
    """What to connect to: `url` (the host may be a pinned address), and the headers and
    request extensions that keep the original name for HTTP and TLS."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)


def refused(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
        or (isinstance(address, ipaddress.IPv4Address) and address in _SHARED)
    )


_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT


async def target_for(url: str, *, allow_private: bool) -> Target:
    """The checked target for `url`; UnsafeUrl when it may not be delivered to."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise UnsafeUrl(f"invalid url: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise UnsafeUrl("only http and https URLs with a host are delivered to")
    if allow_private:
        return Target(url)
    addresses = await _resolve(host, port)
    bad = [a for a in addresses if refused(a)]
    if bad:
        raise UnsafeUrl(
            f"{host} resolves to a private, loopback or link-local address ({bad[0]}); "
            "set webhooks_allow_private to deliver there"
        )
    pinned = addresses[0]
    literal = f"[{pinned}]" if isinstance(pinned, ipaddress.IPv6Address) else str(pinned)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = parts.netloc.rpartition("@")[2]
    extensions = {"sni_hostname": host} if parts.scheme.lower() == "https" else {}
    return Target(
        urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")),
        {"host": host_header},
        extensions,
    )


async def _resolve(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise HostNotResolved(f"cannot resolve {host}: {exc}") from None
    addresses: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise HostNotResolved(f"cannot resolve {host}")
    return addresses
