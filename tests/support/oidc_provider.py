"""A minimal but real OpenID Connect provider on 127.0.0.1, run in a background thread.

Discovery document, an authorization endpoint that signs the fixed test user in at once and
redirects back with a code, a token endpoint that checks the client, the code and the PKCE
verifier (S256), userinfo, and a JWKS with an RSA key; id_tokens are RS256 signed with that key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "bastion-test-client"
CLIENT_SECRET = "bastion-test-secret"
KID = "test-key-1"


class OidcProvider:
    def __init__(self, user: dict[str, Any], emails: list[dict[str, Any]] | None = None) -> None:
        self.user = dict(user)
        self.emails = list(emails or [])  # GitHub's /user/emails, served at /userinfo/emails
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict[str, str]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.userinfo_headers: list[dict[str, str]] = []  # what each userinfo request sent
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> OidcProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}

    def id_token(self, nonce_user: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **nonce_user}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    base = provider.issuer
                    self._json(
                        200,
                        {
                            "issuer": base,
                            "authorization_endpoint": base + "/authorize",
                            "token_endpoint": base + "/token",
                            "userinfo_endpoint": base + "/userinfo",
                            "jwks_uri": base + "/jwks",
                        },
                    )
                elif url.path == "/jwks":
                    self._json(200, provider.jwks())
                elif url.path == "/authorize":
                    if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                        self._json(400, {"error": "invalid_request"})
                        return
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = query
                    target = query.get("redirect_uri", "")
                    location = (
                        target
                        + ("&" if "?" in target else "?")
                        + urlencode({"code": code, "state": query.get("state", "")})
                    )
                    self.send_response(302)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif url.path in ("/userinfo", "/userinfo/emails"):
                    provider.userinfo_headers.append(dict(self.headers.items()))
                    bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if bearer not in provider.tokens:
                        self._json(401, {"error": "invalid_token"})
                        return
                    self._json(200, provider.user if url.path == "/userinfo" else provider.emails)
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                if urlparse(self.path).path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                client_id, secret = form.get("client_id"), form.get("client_secret")
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
                if client_id != CLIENT_ID or secret != CLIENT_SECRET:
                    self._json(401, {"error": "invalid_client"})
                    return
                grant = provider.codes.pop(form.get("code", ""), None)
                if grant is None or form.get("redirect_uri", "") != grant.get("redirect_uri", ""):
                    self._json(400, {"error": "invalid_grant"})
                    return
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
                if grant.get("code_challenge_method") != "S256" or digest.decode() != grant.get(
                    "code_challenge"
                ):
                    self._json(
                        400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
                    )
                    return
                access = secrets.token_urlsafe(24)
                provider.tokens[access] = provider.user
                self._json(
                    200,
                    {
                        "access_token": access,
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "refresh_token": "refresh-" + access,
                        "id_token": provider.id_token(provider.user),
                    },
                )

        return Handler
