"""Cookie sessions for browser apps, next to bearer tokens, without touching a handler.

PocketBase clients send `Authorization: <token>`; a browser app may prefer to keep the token in an
HttpOnly cookie where page scripts cannot read it. This middleware turns one into the other:

- A request with no (or an empty) Authorization header but a `bastion_session` cookie gets
  `Authorization: <cookie value>` put into its scope, so every handler, rule and rate limit sees
  an ordinary token. A request that does carry Authorization is left alone: bearer clients are
  unaffected, and their header wins over any cookie.
- Cookies are sent by the browser on their own, so a state-changing request authenticated by the
  cookie must prove it came from our page: every method except GET/HEAD/OPTIONS/TRACE needs the
  double-submit token, header `X-CSRF-Token` equal to the `bastion_csrf` cookie (compared in
  constant time) and bound to the session (its MAC is keyed by the session token, so a CSRF cookie
  planted from a sibling subdomain does not fit another session). Otherwise: PocketBase's 403.
- A client opts in with `X-Bastion-Session: cookie` on a sign-in route (`session_route` names
  them; Bastion's route table marks auth-with-password, auth-with-otp, auth-with-totp,
  auth-with-oauth2, impersonate/{id} and auth-refresh); a 200 JSON answer with a `token` then also
  sets both cookies, living as long as the token. A `renew` route (auth-refresh) authenticated by
  the cookie renews them without the opt-in header, so a session is extended by refreshing.
  (Impersonation never does: a superuser's own browser session must not turn into the user's.)
- `POST /api/session/logout` is answered here: it clears both cookies (204). It needs no CSRF
  token: it can only take access away, and a browser that lost its CSRF cookie must still be able
  to sign out. The token itself stays valid until it expires (tokens are stateless JWTs; rotate
  the record's tokenKey, e.g. by changing the password, to revoke every token).

Cookie attributes: `Path=/`, `SameSite=Lax`, `Max-Age` = the token's remaining lifetime;
`bastion_session` is HttpOnly, `bastion_csrf` is not (page scripts read it to echo it in the
header). `Secure` is set unless the request is plain http to a loopback host (`localhost`,
`*.localhost`, `127.0.0.1`, `[::1]`): browsers do treat http://localhost as secure, but Safari and
command-line cookie jars do not, and local development must work. The scheme is the one the proxy
middleware resolved, so a TLS-terminating proxy in front still yields Secure cookies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import msgspec

from bastion.errors import ForbiddenError, MethodNotAllowedError
from bastion.http.asgi_headers import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    add_vary,
    get_header,
    set_header,
)
from bastion.http.errors import error_response
from bastion.http.media_negotiation import MSGPACK

_MSGPACK = MSGPACK.encode("ascii")

SESSION_COOKIE = "bastion_session"
CSRF_COOKIE = "bastion_csrf"
CSRF_HEADER = b"x-csrf-token"
OPT_IN_HEADER = b"x-bastion-session"
LOGOUT_PATH = "/api/session/logout"

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SessionRoute = Callable[[str, str], str | None]
"""(method, path) -> "issue" (cookies on opt-in), "renew" (also when a cookie authenticated the
request) or None (no cookies set): which routes answer with a token a browser may keep."""
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
CSRF_MISMATCH = "Missing or invalid CSRF token (send the bastion_csrf cookie's value as X-CSRF-Token)."


def parse_cookies(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Cookies of every `Cookie` header (HTTP/2 may split them); the first of a repeated name wins."""
    cookies: dict[str, str] = {}
    for key, value in headers:
        if key != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            name, sep, val = part.partition("=")
            name = name.strip()
            if sep and name:
                cookies.setdefault(name, val.strip().strip('"'))
    return cookies


def new_csrf_token(session_token: str) -> str:
    """`<nonce>.<mac>`: a random nonce and its HMAC keyed by the session token it belongs to."""
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_mac(session_token, nonce)}"


def csrf_fits(session_token: str, csrf_cookie: str, csrf_header: str) -> bool:
    """The header equals the cookie (constant time) and the cookie was minted for this session."""
    if not csrf_cookie or not hmac.compare_digest(csrf_cookie.encode(), csrf_header.encode()):
        return False
    nonce, _, mac = csrf_cookie.partition(".")
    return bool(nonce) and hmac.compare_digest(mac.encode(), _mac(session_token, nonce).encode())


def _mac(session_token: str, nonce: str) -> str:
    digest = hmac.new(session_token.encode(), nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_max_age(token: str, now: float | None = None) -> int:
    """Seconds until the JWT's `exp` (0 when expired or unreadable; the signature is the app's job)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = int(claims["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        return 0
    return max(0, exp - int(now if now is not None else time.time()))


def wants_secure(scope: Scope) -> bool:
    """Secure cookies unless this is plain http to a loopback host (see the module docstring)."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    host = (get_header(scope["headers"], b"host") or b"").decode("latin-1").strip().lower()
    # Drop the port: `[::1]:8090` keeps its brackets, `localhost:8090` loses `:8090`.
    host = host[: host.find("]") + 1] if host.startswith("[") else host.rsplit(":", 1)[0]
    return not (host in _LOOPBACK_HOSTS or host.endswith(".localhost"))


def cookie_header(name: str, value: str, max_age: int, *, http_only: bool, secure: bool) -> bytes:
    parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", "SameSite=Lax"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")


def session_cookie_headers(token: str, scope: Scope) -> list[tuple[bytes, bytes]]:
    """The two Set-Cookie headers for `token`; an empty token clears both (Max-Age=0)."""
    secure = wants_secure(scope)
    max_age = token_max_age(token) if token else 0
    csrf = new_csrf_token(token) if token and max_age else ""
    value = token if max_age else ""
    return [
        (b"set-cookie", cookie_header(SESSION_COOKIE, value, max_age, http_only=True, secure=secure)),
        (b"set-cookie", cookie_header(CSRF_COOKIE, csrf, max_age, http_only=False, secure=secure)),
    ]


def _accept(scope: Scope) -> str | None:
    accept = get_header(scope["headers"], b"accept")
    return accept.decode("latin-1") if accept is not None else None


class CookieSessionMiddleware:
    """See the module docstring. Sits inside compression, so auth responses arrive uncompressed."""

    def __init__(self, app: ASGIApp, session_route: SessionRoute | None = None) -> None:
        self.app = app
        self.session_route = session_route

    def passes(self, scope: Scope) -> bool:
        """True when this layer has nothing to do for the request: no Cookie header, no opt-in
        header and not the logout route (the edge then calls the app inside directly)."""
        if scope["path"] == LOGOUT_PATH:
            return False
        return all(key != b"cookie" and key != OPT_IN_HEADER for key, _ in scope["headers"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        if path == LOGOUT_PATH:
            await self._logout(scope, receive, send)
            return

        headers: list[tuple[bytes, bytes]] = scope["headers"]
        authorization = opt_in = None
        has_cookie = False
        for key, value in headers:  # one pass: this runs on every request
            if key == b"authorization":
                if authorization is None:
                    authorization = value
            elif key == b"cookie":
                has_cookie = True
            elif key == OPT_IN_HEADER and opt_in is None:
                opt_in = value
        session = ""
        if has_cookie and not (authorization or b"").strip():
            session = parse_cookies(headers).get(SESSION_COOKIE, "")
        if session:
            if method not in _SAFE_METHODS:
                cookies = parse_cookies(headers)
                csrf_cookie = cookies.get(CSRF_COOKIE, "")
                csrf_header = (get_header(headers, CSRF_HEADER) or b"").decode("latin-1").strip()
                if not csrf_fits(session, csrf_cookie, csrf_header):
                    await error_response(ForbiddenError(CSRF_MISMATCH), _accept(scope))(scope, receive, send)
                    return
            headers = list(headers)
            set_header(headers, b"authorization", session.encode("latin-1"))
            # A copy: the outer layers (the access log) never see the token as a header.
            scope = dict(scope, headers=headers)

        opted_in = (opt_in or b"").strip().lower() == b"cookie"
        if not (opted_in or session):
            # no cookie to read and none to set (the route does not matter then): nothing to do
            await self.app(scope, receive, send)
            return
        kind = self.session_route(method, path) if self.session_route is not None else None
        renew = bool(session) and kind == "renew"
        if kind is None or not (opted_in or renew):
            await self.app(scope, receive, self._varying(send) if session else send)
            return
        await self.app(scope, receive, self._setting_cookies(scope, send, bool(session)))

    @staticmethod
    def _varying(send: Send) -> Send:
        """A response that depended on the cookie must not be cached for other cookies."""

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                add_vary(headers, b"Cookie")
                message["headers"] = headers
            await send(message)

        return send_with_vary

    def _setting_cookies(self, scope: Scope, send: Send, varies: bool) -> Send:
        """Hold a 200 JSON auth answer back until its body is complete, then add the cookies."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_with_cookies(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if varies:
                    add_vary(headers, b"Cookie")
                message["headers"] = headers
                ctype = (get_header(headers, b"content-type") or b"").split(b";")[0].strip()
                if message["status"] == 200 and ctype in (b"application/json", _MSGPACK):
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            token = _token_of(body, msgpack=get_header(start["headers"], b"content-type") == _MSGPACK)
            if token:
                start["headers"] = list(start["headers"]) + session_cookie_headers(token, scope)
            await send(start)
            await send({"type": "http.response.body", "body": body})

        return send_with_cookies

    async def _logout(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await error_response(MethodNotAllowedError(), _accept(scope))(scope, receive, send)
            return
        headers = [(b"cache-control", b"no-store"), *session_cookie_headers("", scope)]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _token_of(body: bytes, msgpack: bool = False) -> str:
    """The `token` of an auth answer, JSON or (http/media_negotiation.py) MessagePack."""
    try:
        data: Any = msgspec.msgpack.decode(body) if msgpack else json.loads(body)
    except (ValueError, msgspec.DecodeError):
        return ""
    token = data.get("token") if isinstance(data, dict) else None
    return token if isinstance(token, str) else ""
