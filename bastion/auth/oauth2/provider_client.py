"""One configured OAuth2 provider: its resolved endpoints, the auth URL, the code exchange and
the user lookup (userinfo endpoint, or the OpenID Connect id_token checked against the JWKS).

Resolution order for every endpoint: the collection's provider config, then the preset, then (for
the generic `oidc*` providers) the issuer's discovery document, when `extra.issuer` or
`extra.discoveryURL` names one. Failures raise `ProviderError`; the API answers them with 400.

Discovery documents and key sets are kept a few minutes in a `DocumentCache` the App owns (one
per process: they are the providers' data, fetched again at will, never the only copy of
anything), so every auth-methods call is not also a round trip to the provider.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import jwt

from bastion.auth.oauth2.provider_presets import PRESETS as BASE_PRESETS
from bastion.auth.oauth2.provider_presets import ExternalUser, Preset
from bastion.auth.oauth2.provider_presets_more import MORE_PRESETS

if TYPE_CHECKING:
    import httpx
    from jwt.types import Options

PRESETS: dict[str, Preset] = {**BASE_PRESETS, **MORE_PRESETS}

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# PocketBase's default leeway for id_token time claims (PB_ID_TOKEN_LEEWAY).
ID_TOKEN_LEEWAY = 300
_TIMEOUT = 30.0


def _http() -> Any:
    """httpx, imported at the first sign-in through a provider: a server without OAuth2 providers
    (most) would carry it in every worker for nothing."""
    import httpx

    return httpx


class ProviderError(Exception):
    """The provider refused or answered something unusable (message is for the server log)."""


def random_string(length: int) -> str:
    """PocketBase's security.RandomString: [A-Za-z0-9], URL-safe as is."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class DocumentCache:
    """Providers' JSON documents (discovery, key sets) by URL, each kept `keep_seconds`; at most
    `max_urls` of them (the URLs come from superusers' provider settings, so few)."""

    def __init__(self, *, keep_seconds: float = 300.0, max_urls: int = 256) -> None:
        self.keep_seconds = keep_seconds
        self.max_urls = max_urls
        self._documents: dict[str, tuple[float, Any]] = {}

    async def get_json(self, url: str, *, fresh: bool = False) -> Any:
        """The document at `url`, from the cache unless `fresh` or expired."""
        hit = self._documents.get(url)
        if hit and hit[0] > time.monotonic() and not fresh:
            return hit[1]
        async with _http().AsyncClient(timeout=_TIMEOUT) as client:
            res = await client.get(url, headers={"Accept": "application/json"})
        if res.status_code >= 400:
            raise ProviderError(f"GET {url} answered {res.status_code}")
        data = res.json()
        self._documents.pop(url, None)
        while len(self._documents) >= self.max_urls:
            del self._documents[next(iter(self._documents))]  # the oldest first
        self._documents[url] = (time.monotonic() + self.keep_seconds, data)
        return data


@dataclass
class Provider:
    name: str
    preset: Preset
    client_id: str = ""
    client_secret: str = ""
    auth_url: str = ""
    token_url: str = ""
    user_info_url: str = ""
    display_name: str = ""
    pkce: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    documents: DocumentCache = field(default_factory=DocumentCache, repr=False)

    # ---- the authorization request ------------------------------------------------------------

    def build_auth_url(self, state: str, params: dict[str, str]) -> str:
        """golang.org/x/oauth2's AuthCodeURL: sorted, form-encoded parameters (space as `+`, as
        Go's url.Values.Encode), no redirect_uri."""
        query = {
            "client_id": self.client_id,
            "response_type": "code",
            "scope": " ".join(self.preset.scopes),
            "state": state,
            **params,
        }
        encoded = urlencode(sorted(query.items()))
        return self.auth_url + ("&" if "?" in self.auth_url else "?") + encoded

    # ---- the code exchange --------------------------------------------------------------------

    async def fetch_token(self, code: str, redirect_url: str, code_verifier: str) -> dict[str, Any]:
        form = {"code": code, "grant_type": "authorization_code"}
        if redirect_url:
            form["redirect_uri"] = redirect_url
        if self.pkce:
            form["code_verifier"] = code_verifier
        async with _http().AsyncClient(timeout=_TIMEOUT) as client:
            # As Go's oauth2 auto-detection: client credentials in a Basic header first, then,
            # if the server refuses that, in the form body.
            basic = _http().BasicAuth(quote(self.client_id, safe=""), quote(self.client_secret, safe=""))
            res = await client.post(
                self.token_url, data=form, auth=basic, headers={"Accept": "application/json"}
            )
            if res.status_code in (400, 401):
                with_creds = {**form, "client_id": self.client_id, "client_secret": self.client_secret}
                res = await client.post(
                    self.token_url, data=with_creds, headers={"Accept": "application/json"}
                )
        token = _token_body(res)
        if res.status_code >= 400 or not token.get("access_token"):
            raise ProviderError(f"token endpoint answered {res.status_code}: {token.get('error', '')}")
        return token

    # ---- the user -----------------------------------------------------------------------------

    async def fetch_user(self, token: dict[str, Any]) -> ExternalUser:
        if self.user_info_url:
            headers = {"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"}
            if self.preset.client_id_header:
                headers[self.preset.client_id_header] = self.client_id
            async with _http().AsyncClient(timeout=_TIMEOUT) as client:
                res = await client.get(self.user_info_url, headers=headers)
            if res.status_code >= 400:
                raise ProviderError(f"userinfo answered {res.status_code}")
            raw = res.json()
        elif self.preset.is_oidc:
            raw = await self._id_token_claims(str(token.get("id_token") or ""))
        else:
            raise ProviderError("no userinfo endpoint")
        if not isinstance(raw, dict):
            raise ProviderError("user info is not an object")
        user = self.preset.map_user(raw)
        if not user.id:
            raise ProviderError("the provider did not name the user")
        if self.preset.emails_suffix and self.user_info_url:
            user = replace(user, email=await self._verified_primary_email(token))
        return user

    async def _verified_primary_email(self, token: dict[str, Any]) -> str:
        """GitHub's verified primary address; "" when the scope does not allow reading it."""
        async with _http().AsyncClient(timeout=_TIMEOUT) as client:
            res = await client.get(
                self.user_info_url + self.preset.emails_suffix,
                headers={"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"},
            )
        if res.status_code in (401, 403, 404):
            return ""
        if res.status_code >= 400:
            raise ProviderError(f"emails endpoint answered {res.status_code}")
        emails = res.json()
        for entry in emails if isinstance(emails, list) else []:
            if isinstance(entry, dict) and entry.get("verified") is True and entry.get("primary") is True:
                return str(entry.get("email") or "")
        return ""

    async def _id_token_claims(self, id_token: str) -> dict[str, Any]:
        if not id_token:
            raise ProviderError("empty id_token")
        jwks_url = str(self.extra.get("jwksURL") or "")
        issuers = [str(i) for i in self.extra.get("issuers") or []]
        options: Options = {"verify_signature": bool(jwks_url), "verify_aud": True, "verify_iat": True}
        key: Any = None
        algorithms = None
        try:
            if jwks_url:
                kid = jwt.get_unverified_header(id_token).get("kid")
                matches = await self._signing_keys(jwks_url, kid)
                if not matches:
                    raise ProviderError("no JWKS key matches the id_token")
                key, algorithms = matches[0], [matches[0].algorithm_name]
            claims = jwt.decode(
                id_token,
                key=key,
                algorithms=algorithms,
                audience=self.client_id,
                leeway=ID_TOKEN_LEEWAY,
                options=options,
            )
        except (jwt.PyJWTError, ValueError) as exc:
            raise ProviderError(f"id_token validation failed: {exc}") from None
        if issuers and claims.get("iss") not in issuers:
            raise ProviderError(f"iss must be one of {issuers}")
        return dict(claims)

    async def _signing_keys(self, jwks_url: str, kid: Any) -> list[jwt.PyJWK]:
        """The key set's keys for `kid`; a kept key set without it is fetched again (the provider
        rotated its keys since), so every process follows a rotation at once."""
        for fresh in (False, True):
            keys = jwt.PyJWKSet.from_dict(await self.documents.get_json(jwks_url, fresh=fresh))
            matches = [k for k in keys.keys if kid is None or k.key_id == kid]
            if matches:
                return matches
        return []


def _token_body(res: httpx.Response) -> dict[str, Any]:
    ctype = res.headers.get("content-type", "")
    try:
        if "json" in ctype:
            data = res.json()
            return data if isinstance(data, dict) else {}
        # GitHub (without Accept) and some older servers answer urlencoded.
        return dict(_http().QueryParams(res.text))
    except ValueError:
        return {}


async def init_provider(config: dict[str, Any], documents: DocumentCache | None = None) -> Provider:
    """The provider a collection's `oauth2.providers[]` entry describes; raises ProviderError.
    `documents` keeps discovery documents and key sets (the App's; none: fetched each time)."""
    name = str(config.get("name") or "")
    preset = PRESETS.get(name)
    if preset is None:
        raise ProviderError(f"unknown provider {name!r}")
    pkce = config.get("pkce")
    p = Provider(
        name=name,
        preset=preset,
        client_id=str(config.get("clientId") or ""),
        client_secret=str(config.get("clientSecret") or ""),
        auth_url=str(config.get("authURL") or preset.auth_url),
        token_url=str(config.get("tokenURL") or preset.token_url),
        user_info_url=str(config.get("userInfoURL") or preset.user_info_url),
        display_name=str(config.get("displayName") or preset.display_name),
        pkce=preset.pkce if pkce is None else bool(pkce),
        extra=dict(config.get("extra") or {}),
        documents=documents or DocumentCache(keep_seconds=0),
    )
    if preset.jwks_url:
        p.extra.setdefault("jwksURL", preset.jwks_url)
    if preset.issuers:
        p.extra.setdefault("issuers", list(preset.issuers))
    if preset.is_oidc:
        await _discover(p)
    if not p.auth_url or not p.token_url:
        raise ProviderError(f"provider {name!r} has no authURL/tokenURL")
    return p


async def _discover(p: Provider) -> None:
    """Fill what the config leaves empty from `/.well-known/openid-configuration` (a Bastion
    addition: PocketBase's admin UI does this once when saving; here it follows issuer changes)."""
    url = str(p.extra.get("discoveryURL") or "")
    issuer = str(p.extra.get("issuer") or "")
    if not url and issuer:
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    if not url or (p.auth_url and p.token_url and "jwksURL" in p.extra):
        return
    doc = await p.documents.get_json(url)
    if not isinstance(doc, dict):
        raise ProviderError("discovery document is not an object")
    p.auth_url = p.auth_url or str(doc.get("authorization_endpoint") or "")
    p.token_url = p.token_url or str(doc.get("token_endpoint") or "")
    if not p.user_info_url:
        p.user_info_url = str(doc.get("userinfo_endpoint") or "")
    p.extra.setdefault("jwksURL", str(doc.get("jwks_uri") or ""))
    if doc.get("issuer") and not p.extra.get("issuers"):
        p.extra["issuers"] = [str(doc["issuer"])]
