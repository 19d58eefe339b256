"""Format checks for the email and url fields, and the domain lists of their options.

PocketBase delegates these to govalidator / ozzo-validation regular expressions. Those run on
Go's linear-time engine; some are nested repetitions that would backtrack badly in Python's, so
the same grammar is checked here in pieces instead of as one pattern. The accepted sets match
PocketBase's on the cases in the tests (checked against the real binary).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_U = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"  # the Unicode ranges the email grammar admits
_ATOM = rf"[A-Za-z0-9!#$%&'*+\-/=?^_`{{|}}~{_U}]+"
_LOCAL_DOT = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*$")
_LOCAL_QUOTED = re.compile(
    rf'^"(?:[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\x20\x21\x23-\x5b\x5d-\x7e{_U}]|\\[\x01-\x7f{_U}])*"$'
)
_EMAIL_LABEL = re.compile(rf"^[A-Za-z0-9{_U}](?:[A-Za-z0-9\-_~.{_U}]*[A-Za-z0-9{_U}])?$")
_EMAIL_TLD = re.compile(rf"^[A-Za-z{_U}](?:[A-Za-z0-9\-_~.{_U}]*[A-Za-z{_U}])?$")

_DOMAIN = re.compile(
    r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+(?:[a-zA-Z]{1,63}|xn--[a-z0-9]{1,59})$"
)

_URL_SCHEME = re.compile(r"^(?:ftp|tcp|udp|wss?|https?)://")
_URL_U = "\u00a1-\uffff"
_URL_HOST = re.compile(
    rf"^[A-Za-z0-9{_URL_U}](?:[A-Za-z0-9_{_URL_U}-]*[A-Za-z0-9{_URL_U}])?"
    rf"(?:\.[A-Za-z0-9{_URL_U}](?:[A-Za-z0-9_{_URL_U}-]*[A-Za-z0-9{_URL_U}])?)*$"
)
_IPV4 = re.compile(
    r"^([1-9]\d?|1\d\d|2[01]\d|22[0-3]|24\d|25[0-5])(\.(\d{1,2}|1\d\d|2[0-4]\d|25[0-5])){2}"
    r"\.([0-9]\d?|1\d\d|2[0-4]\d|25[0-5])$"
)
_PORT = re.compile(r":(\d{1,5})$")


def is_email(value: str) -> bool:
    at = value.rfind("@")
    if at <= 0:
        return False
    local, domain = value[:at], value[at + 1 :]
    if not (_LOCAL_DOT.match(local) or _LOCAL_QUOTED.match(local)):
        return False
    if domain.endswith("."):
        domain = domain[:-1]
    parts = domain.split(".")
    if len(parts) < 2:
        return False
    return all(_EMAIL_LABEL.match(p) for p in parts[:-1]) and bool(_EMAIL_TLD.match(parts[-1]))


def is_domain(value: str) -> bool:
    return len(value) <= 255 and bool(_DOMAIN.match(value))


def is_url(value: str) -> bool:
    if not value or len(value) >= 2083 or len(value) <= 3 or value.startswith("."):
        return False
    probe = "http://" + value if ":" in value and "://" not in value else value
    try:
        parts = urlsplit(probe)
        _ = parts.port  # Go's url.Parse rejects a non-numeric port
    except ValueError:
        return False
    if parts.hostname is not None and parts.netloc.split("@")[-1].startswith("."):
        return False
    if not parts.netloc and parts.path and "." not in parts.path:
        return False
    return _matches_url_grammar(value)


def url_host(value: str) -> str:
    """The host[:port] PocketBase compares with the onlyDomains / exceptDomains lists."""
    try:
        return urlsplit(value).netloc.split("@")[-1]
    except ValueError:
        return ""


def _matches_url_grammar(value: str) -> bool:
    rest = _URL_SCHEME.sub("", value, count=1)
    cut = len(rest)
    for sep in "/?#":
        pos = rest.find(sep)
        if pos != -1:
            cut = min(cut, pos)
    authority, tail = rest[:cut], rest[cut:]
    if any(ch.isspace() for ch in tail):
        return False
    if "@" in authority:
        userinfo, authority = authority.rsplit("@", 1)
        if not userinfo or any(ch.isspace() for ch in userinfo):
            return False
    port = _PORT.search(authority)
    if port:
        authority = authority[: port.start()]
    if authority.endswith("."):
        authority = authority[:-1]
    if not authority:
        return False
    if authority.startswith("[") and authority.endswith("]"):
        try:
            ipaddress.IPv6Address(authority[1:-1])
        except ValueError:
            return False
        return True
    return bool(_IPV4.match(authority) or _URL_HOST.match(authority))
