"""More built-in OAuth2 providers, as data: PocketBase 0.40.6's Apple, Facebook, X/Twitter,
Spotify, Twitch, Gitea/Forgejo, Patreon, Strava, Yandex, Kakao, Instagram and Box presets
(tools/auth/<name>.go): endpoints, scopes, and how each one's user JSON maps to ExternalUser.

A mapper returns a user without an id when PocketBase refuses the account (an inactive Gitea or
Box user), which the client answers as a failed sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bastion.auth.oauth2.provider_presets import ExternalUser, Preset, map_oidc


def _pick(raw: Any, path: str) -> Any:
    """The value at a dotted path (`data.0.id`: list items by index); None when absent."""
    node = raw
    for key in path.split(".") if path else []:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _text(raw: Any, path: str) -> str:
    value = _pick(raw, path) if path else None
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def paths(
    id: str = "id",
    name: str = "",
    username: str = "",
    email: str = "",
    avatar: str = "",
    *,
    email_if: tuple[str, ...] = (),
    only_if: tuple[str, Any] | None = None,
) -> Callable[[dict[str, Any]], ExternalUser]:
    """A mapper reading each user field from a dotted path of the provider's JSON. `email_if`:
    paths that must all be `true` for the email to be trusted; `only_if` (path, value): the
    account is refused (no id) unless that path holds that value."""

    def map_user(raw: dict[str, Any]) -> ExternalUser:
        refused = only_if is not None and _pick(raw, only_if[0]) != only_if[1]
        trusted = all(_pick(raw, p) is True for p in email_if)
        return ExternalUser(
            id="" if refused else _text(raw, id),
            name=_text(raw, name),
            username=_text(raw, username),
            email=_text(raw, email) if trusted else "",
            avatar_url=_text(raw, avatar),
            raw=raw,
        )

    return map_user


def map_apple(raw: dict[str, Any]) -> ExternalUser:
    # the id_token's claims (checked against Apple's keys); Apple sends no picture or username
    user = map_oidc(raw)
    return ExternalUser(id=user.id, name=user.name, email=user.email, raw=raw)


def map_strava(raw: dict[str, Any]) -> ExternalUser:
    user = paths(username="username", avatar="profile")(raw)
    name = f"{_text(raw, 'firstname')} {_text(raw, 'lastname')}"
    return ExternalUser(user.id if raw.get("id") else "", name, user.username, "", user.avatar_url, raw)


def map_yandex(raw: dict[str, Any]) -> ExternalUser:
    user = paths(name="real_name", username="login", email="default_email")(raw)
    if raw.get("is_avatar_empty") is not True:
        avatar = f"https://avatars.yandex.net/get-yapic/{_text(raw, 'default_avatar_id')}/islands-200"
        user = ExternalUser(user.id, user.name, user.username, user.email, avatar, raw)
    return user


def map_kakao(raw: dict[str, Any]) -> ExternalUser:
    user = paths(
        username="properties.nickname",
        email="kakao_account.email",
        avatar="properties.profile_image",
        email_if=("kakao_account.is_email_valid", "kakao_account.is_email_verified"),
    )(raw)
    # PocketBase formats the numeric id, so a missing one is "0"
    return ExternalUser(user.id or "0", user.name, user.username, user.email, user.avatar_url, raw)


MORE_PRESETS: dict[str, Preset] = {
    "apple": Preset(
        "Apple",
        ("name", "email"),
        "https://appleid.apple.com/auth/authorize",
        "https://appleid.apple.com/auth/token",
        map_user=map_apple,
        is_oidc=True,
        jwks_url="https://appleid.apple.com/auth/keys",
        issuers=("https://appleid.apple.com",),
    ),
    "facebook": Preset(
        "Facebook",
        ("email",),
        "https://www.facebook.com/v3.2/dialog/oauth",
        "https://graph.facebook.com/v3.2/oauth/access_token",
        "https://graph.facebook.com/me?fields=name,email,picture.type(large)",
        map_user=paths(name="name", email="email", avatar="picture.data.url"),
    ),
    "twitter": Preset(
        "X/Twitter",
        ("users.read", "users.email", "tweet.read"),
        "https://x.com/i/oauth2/authorize",
        "https://api.x.com/2/oauth2/token",
        "https://api.x.com/2/users/me?user.fields=id,name,username,profile_image_url,confirmed_email",
        map_user=paths(
            "data.id", "data.name", "data.username", "data.confirmed_email", "data.profile_image_url"
        ),
    ),
    "spotify": Preset(
        "Spotify",
        ("user-read-private",),
        "https://accounts.spotify.com/authorize",
        "https://accounts.spotify.com/api/token",
        "https://api.spotify.com/v1/me",
        map_user=paths(name="display_name", avatar="images.0.url"),
    ),
    "twitch": Preset(
        "Twitch",
        ("user:read:email",),
        "https://id.twitch.tv/oauth2/authorize",
        "https://id.twitch.tv/oauth2/token",
        "https://api.twitch.tv/helix/users",
        map_user=paths(
            "data.0.id", "data.0.display_name", "data.0.login", "data.0.email", "data.0.profile_image_url"
        ),
        client_id_header="Client-Id",
    ),
    "gitea": Preset(
        "Gitea/Forgejo",
        ("read:user", "user:email"),
        "https://gitea.com/login/oauth/authorize",
        "https://gitea.com/login/oauth/access_token",
        "https://gitea.com/api/v1/user",
        # the verified primary address comes from `<userInfoURL>/emails`, as for GitHub
        map_user=paths(name="full_name", username="login", avatar="avatar_url", only_if=("active", True)),
        emails_suffix="/emails",
    ),
    "patreon": Preset(
        "Patreon",
        ("identity", "identity[email]"),
        "https://www.patreon.com/oauth2/authorize",
        "https://api.patreon.com/oauth2/token",
        "https://www.patreon.com/api/oauth2/v2/identity"
        "?fields%5Buser%5D=full_name,email,vanity,image_url,is_email_verified",
        map_user=paths(
            "data.id",
            "data.attributes.full_name",
            "data.attributes.vanity",
            "data.attributes.email",
            "data.attributes.image_url",
            email_if=("data.attributes.is_email_verified",),
        ),
    ),
    "strava": Preset(
        "Strava",
        ("profile:read_all",),
        "https://www.strava.com/oauth/authorize",
        "https://www.strava.com/api/v3/oauth/token",
        "https://www.strava.com/api/v3/athlete",
        map_user=map_strava,
    ),
    "yandex": Preset(
        "Yandex",
        ("login:email", "login:avatar", "login:info"),
        "https://oauth.yandex.com/authorize",
        "https://oauth.yandex.com/token",
        "https://login.yandex.ru/info",
        map_user=map_yandex,
    ),
    "kakao": Preset(
        "Kakao",
        ("account_email", "profile_nickname", "profile_image"),
        "https://kauth.kakao.com/oauth/authorize",
        "https://kauth.kakao.com/oauth/token",
        "https://kapi.kakao.com/v2/user/me",
        map_user=map_kakao,
    ),
    "instagram2": Preset(
        "Instagram",
        ("instagram_business_basic",),
        "https://www.instagram.com/oauth/authorize",
        "https://api.instagram.com/oauth/access_token",
        "https://graph.instagram.com/me?fields=id,username,account_type,user_id,name,profile_picture_url,"
        "followers_count,follows_count,media_count",
        map_user=paths("user_id", "name", "username", avatar="profile_picture_url"),
    ),
    "box": Preset(
        "Box",
        ("root_readonly",),
        "https://account.box.com/api/oauth2/authorize",
        "https://api.box.com/oauth2/token",
        "https://api.box.com/2.0/users/me",
        # Box only lets verified addresses authorise, so its login is the email (as PocketBase)
        map_user=paths(name="name", email="login", avatar="avatar_url", only_if=("status", "active")),
    ),
}
