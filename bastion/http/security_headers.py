"""Security headers every response gets, unless the app already set its own value.

PocketBase 0.40.6 sends X-Content-Type-Options, X-Frame-Options, X-XSS-Protection and
Cross-Origin-Opener-Policy on every routed response; we send the same values (X-XSS-Protection is
a no-op in current browsers, kept for parity) plus Referrer-Policy.

HSTS is only sent over https (the scheme as seen after the proxy middleware), because browsers
ignore it on plain http and sending it there would only confuse local development. `Alt-Svc`
(the HTTP/3 listener's advertisement, RFC 7838) goes with it on https answers only: a client
learns of HTTP/3 from a TLS answer, and HTTP/3 is TLS too.
"""

from __future__ import annotations

from bastion.http.asgi_headers import RawHeaders, Scope

_BASE: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"x-xss-protection", b"1; mode=block"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
_BASE_HSTS = (*_BASE, HSTS)


def https_defaults(hsts: bool, alt_svc: bytes = b"") -> tuple[tuple[bytes, bytes], ...]:
    """The headers an https answer gets (made once, at start): HSTS when on, Alt-Svc when given."""
    defaults = _BASE_HSTS if hsts else _BASE
    return (*defaults, (b"alt-svc", alt_svc)) if alt_svc else defaults


def security_defaults(
    scope: Scope, https: tuple[tuple[bytes, bytes], ...] = _BASE_HSTS
) -> tuple[tuple[bytes, bytes], ...]:
    """The headers a response to this request gets unless the app set them itself; `https`:
    those of an https request (https_defaults)."""
    defaults = https if scope.get("scheme") == "https" else _BASE
    if scope.get("path", "").startswith("/api/files/"):
        # Uploaded files may be embedded anywhere (PocketBase drops X-Frame-Options there too);
        # their own CSP sandbox is what protects them.
        defaults = tuple(item for item in defaults if item[0] != b"x-frame-options")
    return defaults


def add_security_headers(headers: RawHeaders, defaults: tuple[tuple[bytes, bytes], ...]) -> None:
    present = {key for key, _ in headers}
    headers.extend(item for item in defaults if item[0] not in present)
