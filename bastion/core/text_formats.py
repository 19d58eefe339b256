"""The string formats PocketBase checks with Go libraries, in one place for fields and settings.

    is_url            govalidator.IsURL (url fields, meta.appURL, s3.endpoint)
    is_email          govalidator.IsEmail (email fields, meta.senderAddress, auth identities)
    is_domain         ozzo-validation's is.Domain (the onlyDomains / exceptDomains options)
    is_host           govalidator.IsHost (smtp.host, smtp.localName)
    is_ip_or_subnet   netip.ParsePrefix or netip.ParseAddr (superuserIPs, rateLimits.excludedIPs)
    url_host          the host[:port] PocketBase compares with the domain lists

The URL and e-mail grammars are regular expressions on Go's linear-time engine; some nest
repetitions that make Python's backtracking engine take exponential time on hostile input, so they
run on RE2 (google-re2), which is the engine Go's regexp follows: same grammar, same answer, linear
time. IsURL also asks Go's url.Parse, whose rules (as of the Go release PocketBase 0.40.6 is built
with) are restated in `_go_url_parts`. Every answer was checked against the PocketBase binary
(tests/unit/core/test_text_formats.py holds the cases).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import re2

__all__ = ["is_domain", "is_email", "is_host", "is_ip_or_subnet", "is_url", "url_host"]

# ---- e-mail (govalidator's grammar: RFC 5322 dot-atom or quoted local part, then labels) ------

_U = r"\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}"  # the non-ASCII letters it admits
_ATOM = rf"[a-zA-Z0-9!#$%&'*+\-/=?^_`{{|}}~{_U}]+"
_FWS = r"(?:(?:[\x20\x09]*\x0d\x0a)?[\x20\x09]+)"  # folding white space inside quotes
_QTEXT = rf"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\x21\x23-\x5b\x5d-\x7e{_U}]"
_QPAIR = r"\([\x01-\x09\x0b\x0c\x0d-\x7f]"  # the pattern pairs with "(", not a backslash
# A quote opens each quoted character in the pattern, so "a" and "a"b" pass but "" and "ab" fail.
_LOCAL = rf'(?:{_ATOM}(?:\.{_ATOM})*|(?:"{_FWS}?(?:{_QTEXT}|{_QPAIR}))*{_FWS}?")'
_LABEL = rf"(?:[a-zA-Z0-9{_U}](?:[a-zA-Z0-9\-._~{_U}]*[a-zA-Z0-9{_U}])?)"
_TLD = rf"(?:[a-zA-Z{_U}](?:[a-zA-Z0-9\-_~{_U}]*[a-zA-Z{_U}])?)"
_EMAIL = re2.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+{_TLD}\.?")

# ---- URL (govalidator's grammar) ---------------------------------------------------------------

_H = "[0-9a-fA-F]{1,4}"
_V4 = r"(?:(?:25[0-5]|(?:2[0-4]|1?[0-9])?[0-9])\.){3}(?:25[0-5]|(?:2[0-4]|1?[0-9])?[0-9])"
_IPV6 = (
    rf"(?:(?:{_H}:){{7}}{_H}|(?:{_H}:){{1,7}}:|(?:{_H}:){{1,6}}:{_H}|(?:{_H}:){{1,5}}(?::{_H}){{1,2}}"
    rf"|(?:{_H}:){{1,4}}(?::{_H}){{1,3}}|(?:{_H}:){{1,3}}(?::{_H}){{1,4}}|(?:{_H}:){{1,2}}(?::{_H}){{1,5}}"
    rf"|{_H}:(?::{_H}){{1,6}}|:(?:(?::{_H}){{1,7}}|:)|fe80:(?::[0-9a-fA-F]{{0,4}}){{0,4}}%[0-9a-zA-Z]+"
    rf"|::(?:ffff(?::0{{1,4}})?:)?{_V4}|(?:{_H}:){{1,4}}:{_V4})"
)
_URL_IP = (
    r"(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3]|24\d|25[0-5])(?:\.(?:\d{1,2}|1\d\d|2[0-4]\d|25[0-5])){2}"
    r"\.(?:[0-9]\d?|1\d\d|2[0-4]\d|25[0-5])"
)
_AN = "a-zA-Z0-9"
_WORD = r"a-zA-Z\x{00a1}-\x{ffff}"
_SUBDOMAIN = rf"(?:www\.|[{_AN}]+(?:[-_.]?[{_AN}])*[{_AN}]\.[{_AN}]+)"
_NAME = (
    rf"(?:[{_AN}](?:[{_AN}\-_]+)?[{_AN}](?:[-.][{_AN}]+)*|{_SUBDOMAIN}?)?"
    rf"(?:[{_WORD}0-9]+-?-?)*[{_WORD}0-9]+(?:\.[{_WORD}]+)?"
)
_URL = re2.compile(
    r"(?:(?:ftp|tcp|udp|wss?|https?)://)?(?:\S+(?::\S*)?@)?"
    rf"(?:{_URL_IP}|\[{_IPV6}\]|{_NAME})"
    r"\.?(?::\d{1,5})?(?:[/?#]\S*)?"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _go_text(value: str) -> str:
    """The string as Go holds it: a lone surrogate (JSON allows "\\ud800") is U+FFFD there."""
    return value if value.isascii() else _SURROGATE.sub("\ufffd", value)


def is_email(value: str) -> bool:
    """govalidator.IsEmail: the format only, no DNS lookup."""
    return _EMAIL.fullmatch(_go_text(value)) is not None


def is_url(value: str) -> bool:
    """govalidator.IsURL: Go's url.Parse must accept it (with "http://" put in front when it has a
    colon but no "://"), its host must not start with a dot, a host-less value needs a dot in its
    path, and the whole value must match the URL grammar."""
    value = _go_text(value)
    if not value or len(value) >= 2083 or len(value.encode()) <= 3 or value.startswith("."):
        return False
    probe = "http://" + value if ":" in value and "://" not in value else value
    parts = _go_url_parts(probe)
    if parts is None:
        return False
    host, path = parts
    if host.startswith(b".") or (not host and path and b"." not in path):
        return False
    return _URL.fullmatch(value) is not None


# ---- Go's url.Parse, as far as IsURL sees it -----------------------------------------------------

_HOST_MODE, _ZONE_MODE, _OTHER_MODE = 1, 2, 3
_ALNUM = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_HOST_OK = _ALNUM | frozenset(b"!$&'()*+,;=:[]<>\"-_.~")  # bytes a host may hold as they are
_USERINFO_OK = frozenset("-._:~!$&'()*+,;=%@")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def _unescape(s: bytes, mode: int) -> bytes | None:
    """Go's unescape: None where it returns an error (a bad %-escape; in a host, an ASCII byte
    that must not appear or an escaped ASCII byte other than %25)."""
    i, out = 0, bytearray()
    while i < len(s):
        c = s[i]
        if c == 0x25:  # %
            if i + 2 >= len(s) or s[i + 1] not in _HEX or s[i + 2] not in _HEX:
                return None
            byte = int(s[i + 1 : i + 3], 16)
            if mode == _HOST_MODE and byte < 0x80 and s[i : i + 3] != b"%25":
                return None
            if mode == _ZONE_MODE and s[i : i + 3] != b"%25" and byte != 0x20 and byte not in _HOST_OK:
                return None
            out.append(byte)
            i += 3
            continue
        if mode in (_HOST_MODE, _ZONE_MODE) and c < 0x80 and c not in _HOST_OK:
            return None
        out.append(c)
        i += 1
    return bytes(out)


def _valid_port(colon_port: bytes) -> bool:
    """Empty, or a colon followed by nothing but digits."""
    return not colon_port or (colon_port[:1] == b":" and all(0x30 <= c <= 0x39 for c in colon_port[1:]))


def _ipv6_literal(text: bytes) -> bool:
    """netip.ParseAddr accepts it and it is not an IPv4 address (zones allowed, not empty)."""
    try:
        addr, sep, zone = text.decode().partition("%")
    except UnicodeDecodeError:
        return False
    if sep and not zone:
        return False
    try:
        ipaddress.IPv6Address(addr)
    except ValueError:
        return False
    return True


def _parse_host(scheme: str, host: bytes) -> bytes | None:
    opening = host.rfind(b"[")
    if opening > 0:
        return None
    if opening == 0:
        closing = host.rfind(b"]")
        if closing < 0 or not _valid_port(host[closing + 1 :]):
            return None
        name = host[1:closing]
        zone = name.find(b"%25")
        if zone >= 0:
            head, tail = _unescape(name[:zone], _HOST_MODE), _unescape(name[zone:], _ZONE_MODE)
            unescaped = None if head is None or tail is None else head + tail
        else:
            unescaped = _unescape(name, _HOST_MODE)
        if unescaped is None or not _ipv6_literal(unescaped):
            return None
        return b"[" + unescaped + b"]" + host[closing + 1 :]
    first = host.find(b":")
    if first != -1:
        last = host.rfind(b":")
        # Go refuses a second colon in an http(s) host; other schemes take the last one as the port
        if last != first and scheme not in ("http", "https"):
            first = last
        if not _valid_port(host[first:]):
            return None
    return _unescape(host, _HOST_MODE)


def _parse_authority(scheme: str, authority: bytes) -> bytes | None:
    at = authority.rfind(b"@")
    host = _parse_host(scheme, authority[at + 1 :])
    if host is None or at < 0:
        return host
    userinfo = authority[:at].decode()
    if not all(ch.isascii() and (ch.isalnum() or ch in _USERINFO_OK) for ch in userinfo):
        return None
    for part in userinfo.split(":", 1):
        if _unescape(part.encode(), _OTHER_MODE) is None:
            return None
    return host


def _go_url_parts(raw: str) -> tuple[bytes, bytes] | None:
    """(host, path) as Go's url.Parse leaves them (unescaped), or None where it fails."""
    data = raw.encode()
    data, _, fragment = data.partition(b"#")
    if any(c < 0x20 or c == 0x7F for c in data):
        return None
    if fragment and _unescape(fragment, _OTHER_MODE) is None:
        return None
    if data == b"*":
        return b"", b"*"
    scheme, rest = "", data
    m = re.match(rb"([a-zA-Z][a-zA-Z0-9+\-.]*)?:", data)
    if m:
        if not m.group(1):
            return None  # "missing protocol scheme"
        scheme, rest = m.group(1).decode().lower(), data[m.end() :]
    rest = rest.partition(b"?")[0]  # the query is not checked
    if not rest.startswith(b"/"):
        if scheme:
            return b"", b""  # an opaque URL (mailto:x)
        if b":" in rest.partition(b"/")[0]:
            return None  # "first path segment in URL cannot contain colon"
    host = b""
    if (scheme or not rest.startswith(b"///")) and rest.startswith(b"//"):
        authority, slash, tail = rest[2:].partition(b"/")
        rest = slash + tail
        parsed = _parse_authority(scheme, authority)
        if parsed is None:
            return None
        host = parsed
    path = _unescape(rest, _OTHER_MODE)
    return None if path is None else (host, path)


# ---- hosts and addresses ------------------------------------------------------------------------

_DNS_NAME = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62}(?:\.[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})*[._]?\Z")
_DOMAIN = re.compile(
    r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+(?:[a-zA-Z]{1,63}|xn--[a-z0-9]{1,59})$"
)


def is_domain(value: str) -> bool:
    """ozzo-validation's is.Domain."""
    return len(value) <= 255 and bool(_DOMAIN.match(value))


def url_host(value: str) -> str:
    """The host[:port] PocketBase compares with the onlyDomains / exceptDomains lists."""
    try:
        return urlsplit(value).netloc.split("@")[-1]
    except ValueError:
        return ""


def _is_ip(value: str) -> bool:
    """Go's net.ParseIP: no zones, no leading zeros in IPv4 parts."""
    if "%" in value:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_host(value: str) -> bool:
    """govalidator.IsHost: an IP address or a DNS name."""
    if _is_ip(value):
        return True
    return len(value.replace(".", "")) <= 255 and _DNS_NAME.match(value) is not None


def is_ip_or_subnet(value: str) -> bool:
    """netip.ParsePrefix, else netip.ParseAddr (whose IPv6 zone may hold any character, "/" too)."""
    return _is_prefix(value) or _is_addr(value)


def _is_prefix(value: str) -> bool:
    addr, slash, bits = value.partition("/")
    if not slash or not bits.isascii() or not bits.isdigit() or (len(bits) > 1 and bits[0] == "0"):
        return False
    if "%" in addr:
        return False  # no zone in a prefix
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return int(bits) <= ip.max_prefixlen


def _is_addr(value: str) -> bool:
    addr, sep, zone = value.partition("%")
    if sep and not zone:
        return False
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return not zone or ip.version == 6
