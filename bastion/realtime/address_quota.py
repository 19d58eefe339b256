"""Per-address budgets for realtime clients: how many clients, subscriptions and filter characters
one address holds on this node (the limits and their reasons: bastion/realtime/client_limits.py).

An IPv6 address counts by its /64 network: one host usually holds a whole /64 and could otherwise
take a fresh address for every client. Each client carries what it is charged for, so releasing it
returns exactly that, whatever happened to its subscriptions in between.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from bastion.errors import TooManyRequestsError
from bastion.realtime.client_limits import RealtimeLimits

TOO_MANY_CLIENTS = "Too many realtime connections from this address."
TOO_MANY_SUBSCRIPTIONS = "Too many realtime subscriptions from this address."
RETRY_AFTER = 30  # seconds: other clients of the address must end or unsubscribe first


@dataclass
class Charge:
    """What one client holds against its address's budget."""

    subscriptions: int = 0
    filter_chars: int = 0


@dataclass
class _Usage:
    clients: int = 0
    subscriptions: int = 0
    filter_chars: int = 0


def address_key(ip: str) -> str:
    """The address budgets are kept for: the IP itself, or its /64 for IPv6."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:  # ::ffff:1.2.3.4 is the IPv4 client 1.2.3.4
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)


class AddressQuota:
    def __init__(self, limits: RealtimeLimits) -> None:
        self.limits = limits
        self._usage: dict[str, _Usage] = {}

    def admit(self, key: str) -> None:
        """Count one more client for `key`; TooManyRequestsError when the address is full."""
        usage = self._usage.setdefault(key, _Usage())
        if usage.clients >= self.limits.max_clients_per_ip:
            raise TooManyRequestsError(TOO_MANY_CLIENTS, retry_after=RETRY_AFTER)
        usage.clients += 1

    def recharge(self, key: str, old: Charge, new: Charge) -> None:
        """Swap a client's charge `old` for `new`, or raise (changing nothing) when it does not fit.
        Shrinking always fits, so a client over budget can still unsubscribe."""
        usage = self._usage.setdefault(key, _Usage())
        subscriptions = usage.subscriptions - old.subscriptions + new.subscriptions
        filter_chars = usage.filter_chars - old.filter_chars + new.filter_chars
        grows = new.subscriptions > old.subscriptions or new.filter_chars > old.filter_chars
        if grows and (
            subscriptions > self.limits.max_subscriptions_per_ip
            or filter_chars > self.limits.max_filter_chars_per_ip
        ):
            raise TooManyRequestsError(TOO_MANY_SUBSCRIPTIONS, retry_after=RETRY_AFTER)
        usage.subscriptions, usage.filter_chars = subscriptions, filter_chars

    def release(self, key: str, charge: Charge) -> None:
        """A client of `key` is gone: return its slot and what it held."""
        usage = self._usage.get(key)
        if usage is None:
            return
        usage.clients -= 1
        usage.subscriptions -= charge.subscriptions
        usage.filter_chars -= charge.filter_chars
        if usage.clients <= 0:
            del self._usage[key]

    def usage(self, key: str) -> tuple[int, int, int]:
        """(clients, subscriptions, filter characters) held by `key` (tests, diagnostics)."""
        u = self._usage.get(key, _Usage())
        return u.clients, u.subscriptions, u.filter_chars
