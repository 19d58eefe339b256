"""Built-in OAuth2 providers as data: endpoints, scopes, PKCE, and how their user JSON maps.

Each preset mirrors PocketBase's provider of the same name (tools/auth/<name>.go); more of them
are in provider_presets_more.py (provider_client joins both). A collection's
provider config may override any endpoint; `oidc`, `oidc2` and `oidc3` are the generic OpenID
Connect provider, whose endpoints come from the config or from discovery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExternalUser:
    """PocketBase's AuthUser: `email` is set only when the provider vouches for it."""

    id: str
    name: str = ""
    username: str = ""
    email: str = ""
    avatar_url: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def _truthy(value: Any) -> bool:
    # Some providers send email_verified as the string "true" (PocketBase #6657 casts it).
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1")) or value == 1


def map_oidc(raw: dict[str, Any]) -> ExternalUser:
    return ExternalUser(
        id=str(raw.get("sub") or ""),
        name=str(raw.get("name") or ""),
        username=str(raw.get("preferred_username") or ""),
        email=str(raw.get("email") or "") if _truthy(raw.get("email_verified")) else "",
        avatar_url=str(raw.get("picture") or ""),
        raw=raw,
    )


def map_github(raw: dict[str, Any]) -> ExternalUser:
    # GitHub's /user email is not necessarily verified: the client asks `/user/emails` instead.
    return ExternalUser(
        id=str(raw.get("id") or ""),
        name=str(raw.get("name") or ""),
        username=str(raw.get("login") or ""),
        avatar_url=str(raw.get("avatar_url") or ""),
        raw=raw,
    )


def map_gitlab(raw: dict[str, Any]) -> ExternalUser:
    return ExternalUser(
        id=str(raw.get("id") or ""),
        name=str(raw.get("name") or ""),
        username=str(raw.get("username") or ""),
        email=str(raw.get("email") or "") if raw.get("confirmed_at") else "",
        avatar_url=str(raw.get("avatar_url") or ""),
        raw=raw,
    )


def map_discord(raw: dict[str, Any]) -> ExternalUser:
    uid, avatar = str(raw.get("id") or ""), str(raw.get("avatar") or "")
    return ExternalUser(
        id=uid,
        name=str(raw.get("global_name") or raw.get("username") or ""),
        username=str(raw.get("username") or ""),
        email=str(raw.get("email") or "") if raw.get("verified") is True else "",
        avatar_url=f"https://cdn.discordapp.com/avatars/{uid}/{avatar}.png" if avatar else "",
        raw=raw,
    )


def map_microsoft(raw: dict[str, Any]) -> ExternalUser:
    # PocketBase's default trusts Graph's `mail` (its `extra.idTokenEmailClaim` variants: not yet).
    return ExternalUser(
        id=str(raw.get("id") or ""),
        name=str(raw.get("displayName") or ""),
        email=str(raw.get("mail") or ""),
        raw=raw,
    )


@dataclass(frozen=True)
class Preset:
    display_name: str
    scopes: tuple[str, ...]
    auth_url: str = ""
    token_url: str = ""
    user_info_url: str = ""
    pkce: bool = True
    map_user: Callable[[dict[str, Any]], ExternalUser] = map_oidc
    is_oidc: bool = False
    # GitHub: the verified primary address comes from `<userInfoURL>/emails`.
    emails_suffix: str = ""
    # id_token checks for providers whose user is the id_token (Apple), unless the config's
    # `extra.jwksURL` / `extra.issuers` say otherwise
    jwks_url: str = ""
    issuers: tuple[str, ...] = ()
    # Twitch: the userinfo request must also name the client in this header
    client_id_header: str = ""


_OIDC = Preset("OIDC", ("openid", "email", "profile"), is_oidc=True)

PRESETS: dict[str, Preset] = {
    "oidc": _OIDC,
    "oidc2": _OIDC,
    "oidc3": _OIDC,
    "google": Preset(
        "Google",
        (
            "https://www.googleapis.com/auth/userinfo.profile",
            "https://www.googleapis.com/auth/userinfo.email",
        ),
        "https://accounts.google.com/o/oauth2/v2/auth",
        "https://oauth2.googleapis.com/token",
        "https://www.googleapis.com/oauth2/v3/userinfo",
    ),
    "github": Preset(
        "GitHub",
        ("read:user", "user:email"),
        "https://github.com/login/oauth/authorize",
        "https://github.com/login/oauth/access_token",
        "https://api.github.com/user",
        map_user=map_github,
        emails_suffix="/emails",
    ),
    "gitlab": Preset(
        "GitLab",
        ("read_user",),
        "https://gitlab.com/oauth/authorize",
        "https://gitlab.com/oauth/token",
        "https://gitlab.com/api/v4/user",
        map_user=map_gitlab,
    ),
    "microsoft": Preset(
        "Microsoft",
        ("User.Read",),
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        "https://graph.microsoft.com/v1.0/me",
        map_user=map_microsoft,
    ),
    "discord": Preset(
        "Discord",
        ("identify", "email"),
        "https://discord.com/api/oauth2/authorize",
        "https://discord.com/api/oauth2/token",
        "https://discord.com/api/users/@me",
        map_user=map_discord,
    ),
}
