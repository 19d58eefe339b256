"""Client address and scheme behind reverse proxies.

Two sources decide who the client is, and both may be set:

- PocketBase's `trustedProxy` settings (`headers`, `useLeftmostIP`), changed at run time through
  `/api/settings`. `settings()` is asked on every request, so a change takes effect on every
  worker once it has picked the settings up (`App.refresh_if_stale`, which runs after this layer:
  on another process, from the request after the first one that follows the change). As in
  PocketBase, the first listed header present with a non-empty value gives the client: of its
  last occurrence (the one the nearest proxy wrote), the rightmost address that parses, or the
  leftmost with `useLeftmostIP`; a header with no valid address passes to the next one. With no
  trusted peers configured these headers are believed from any peer, as PocketBase believes them;
  with `trusted_proxies` configured, only from those peers.
- The `trusted_proxies` config (IPs/CIDRs of our own proxies): when the direct peer is one, the
  client is the rightmost address in `Forwarded` (RFC 7239) or else `X-Forwarded-For` that is not
  itself a trusted proxy: everything left of it could have been written by the client and is
  ignored. The scheme comes from the same `Forwarded` element, or `X-Forwarded-Proto`. An
  untrusted peer's forwarding headers are never read. The settings' headers, when they name an
  address, take precedence over this walk.

`scope["state"]["client_ip"]` always holds the result (the peer's own address when nothing
applies), `scope["state"]["peer_ip"]` the direct peer; `scope["client"]` and `scope["scheme"]`
are rewritten so everything downstream (HSTS, URLs built by the app, rate limits, lockouts, logs)
sees the real client.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence

from bastion.http.asgi_headers import RawHeaders, Scope, get_header, state_of

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

TrustedProxySettings = tuple[Sequence[str], bool]
"""PocketBase's `trustedProxy`: the header names to read the client from, and `useLeftmostIP`."""
SettingsSource = Callable[[], TrustedProxySettings]

_TRUST_CACHE_SIZE = 4096


def parse_networks(items: Iterable[str]) -> list[IPNetwork]:
    """`["10.0.0.0/8", "127.0.0.1", "::1"]` as networks; a bad entry raises ValueError at start-up."""
    return [ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip() != "*"]


def clean_address(value: str) -> str | None:
    """An address from a forwarding header without quotes, brackets or port; None when not an IP."""
    value = value.strip().strip('"')
    if value.startswith("["):  # [v6]:port
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None  # "unknown", "_hidden" obfuscated identifiers, garbage


def parse_forwarded(value: str) -> list[tuple[str | None, str | None]]:
    """RFC 7239 `Forwarded` as (for, proto) pairs, one per hop, left to right."""
    hops: list[tuple[str | None, str | None]] = []
    for element in value.split(","):
        addr = proto = None
        for pair in element.split(";"):
            key, _, val = pair.partition("=")
            key = key.strip().lower()
            if key == "for":
                addr = clean_address(val)
            elif key == "proto":
                proto = val.strip().strip('"').lower()
        hops.append((addr, proto))
    return hops


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}\Z")


def _parse_ip(value: str) -> str | None:
    """The address `value` names in its canonical text, or None. Dotted IPv4 (the usual case) is
    checked by one regex: `ipaddress` costs ~8 µs a request for it."""
    value = value.strip()
    if _IPV4.match(value):
        return value
    if ":" not in value:
        return None
    try:
        return str(ipaddress.IPv6Address(value))
    except ValueError:
        return None


def real_ip_from_headers(headers: RawHeaders, names: Sequence[str], use_leftmost: bool) -> str | None:
    """PocketBase's `RealIP` over the `trustedProxy.headers` names; None when none gives an address.

    Only the last occurrence of a header counts (a client can add its own occurrences ahead of the
    proxy's), and an address must parse as such: `1.2.3.4:80`, `unknown` or junk are skipped.
    """
    for name in names:
        key = name.strip().lower().encode("latin-1", "replace")
        if not key:
            continue
        last: bytes | None = None
        for header, value in headers:
            if header == key:
                last = value
        if not last:
            continue
        candidates = last.decode("latin-1").split(",")
        for candidate in candidates if use_leftmost else reversed(candidates):
            address = _parse_ip(candidate)
            if address is not None:
                return address
    return None


class ClientResolver:
    """Finds the client and scheme of a request (see the module docstring) and rewrites its scope.

    `resolve(scope)` is what the edge (http/edge.py) calls first for every HTTP and WebSocket
    request: a function, not a layer of its own, so it costs no coroutine frame.
    """

    def __init__(self, trusted_proxies: Iterable[str] = (), settings: SettingsSource | None = None) -> None:
        self.settings = settings
        trusted = list(trusted_proxies)
        self.trust_all = any(t.strip() == "*" for t in trusted)
        self.networks = parse_networks(trusted)
        self.configured = bool(self.networks or self.trust_all)
        self._trusted_cache: dict[str, bool] = {}

    def is_trusted(self, address: str | None) -> bool:
        if address is None:
            return False
        if self.trust_all:
            return True
        cached = self._trusted_cache.get(address)
        if cached is not None:
            return cached
        try:
            ip = ipaddress.ip_address(address)
            trusted = any(ip in net for net in self.networks)
        except ValueError:
            trusted = False
        if len(self._trusted_cache) >= _TRUST_CACHE_SIZE:
            self._trusted_cache.clear()
        self._trusted_cache[address] = trusted
        return trusted

    def resolve(self, scope: Scope) -> None:
        """Set `state["client_ip"]`/`["peer_ip"]` and rewrite `client` and `scheme` when a proxy says so."""
        client = scope.get("client")
        peer = client[0] if client else None
        client_ip = peer
        configured = self.configured
        peer_trusted = configured and self.is_trusted(peer)
        if peer_trusted:
            resolved = self._resolve(scope["headers"])
            if resolved is not None:
                client_ip, proto = resolved
                if proto in ("http", "https"):
                    if scope["type"] == "websocket":
                        scope["scheme"] = "wss" if proto == "https" else "ws"
                    else:
                        scope["scheme"] = proto
        if self.settings is not None and (peer_trusted or not configured):
            names, use_leftmost = self.settings()
            if names:
                named = real_ip_from_headers(scope["headers"], names, use_leftmost)
                if named is not None:
                    client_ip = named
        if client_ip != peer:
            scope["client"] = (client_ip, 0)
        state = state_of(scope)
        state["client_ip"] = client_ip
        state["peer_ip"] = peer  # the request log records both (PocketBase's userIP / remoteIP)

    def _resolve(self, headers: list[tuple[bytes, bytes]]) -> tuple[str, str | None] | None:
        hops: list[tuple[str | None, str | None]]
        forwarded = get_header(headers, b"forwarded")
        if forwarded is not None:
            hops = parse_forwarded(forwarded.decode("latin-1"))
        else:
            xff = get_header(headers, b"x-forwarded-for")
            if xff is None:
                return None
            addrs = [clean_address(a) for a in xff.decode("latin-1").split(",")]
            xfp = get_header(headers, b"x-forwarded-proto")
            protos = [p.strip().lower() for p in xfp.decode("latin-1").split(",")] if xfp else []
            hops = [(a, None) for a in addrs]
            if protos:
                if len(protos) == len(hops):
                    hops = list(zip(addrs, protos, strict=True))
                else:
                    # Counts don't line up: trust the value nearest to us (the last proxy's word).
                    hops = [(a, protos[-1]) for a in addrs]
        return self._pick(hops)

    def _pick(self, hops: list[tuple[str | None, str | None]]) -> tuple[str, str | None] | None:
        # Walk from the right (nearest hop) past our own proxies; the first other hop is the client.
        chosen: tuple[str, str | None] | None = None
        for addr, proto in reversed(hops):
            if addr is None:
                # An unparseable hop can't be trusted, and nothing left of it can be either.
                break
            chosen = (addr, proto)
            if not self.is_trusted(addr):
                break
        return chosen
