"""The `superuserIPs` setting: when it lists addresses or networks, a superuser is one only from
them. As PocketBase 0.40.6 (checked against the binary): any request carrying a superuser's token
from elsewhere answers 403, a superuser's sign-in from elsewhere answers 403 after the password
check, and a superuser's file token from elsewhere counts as no token.

The networks are parsed once per list (a few lists are kept).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bastion.core.settings_sections import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

NOT_ALLOWED = "You are not allowed to perform this request."


@lru_cache(maxsize=8)
def _networks(items: tuple[str, ...]) -> tuple[Network, ...]:
    nets = []
    for item in items:
        try:
            nets.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue  # settings validation refuses these; an old document may hold one
    return tuple(nets)


def superuser_ip_allowed(settings: Settings, ip: str) -> bool:
    """Whether a superuser may act from `ip` (always, when the setting is empty)."""
    if not settings.superuser_ips:
        return True
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False  # no address (or not one): not on the list
    return any(addr in net for net in _networks(settings.superuser_ips))
