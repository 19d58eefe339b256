"""Each built-in provider preset maps a sample of its provider's user JSON as PocketBase 0.40.6
does (tools/auth/<name>.go), and resolves to usable endpoints."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.auth.oauth2.provider_client import PRESETS, init_provider
from tests.support.oidc_provider import CLIENT_ID, OidcProvider

# (preset, sample userinfo payload, expected (id, name, username, email, avatar_url))
CASES: list[tuple[str, dict[str, Any], tuple[str, str, str, str, str]]] = [
    (
        "apple",
        {"sub": "001.apple", "email": "a@privaterelay.appleid.com", "email_verified": "true"},
        ("001.apple", "", "", "a@privaterelay.appleid.com", ""),
    ),
    (
        "facebook",
        {"id": "10", "name": "Fay", "email": "f@x.io", "picture": {"data": {"url": "https://fb/p.jpg"}}},
        ("10", "Fay", "", "f@x.io", "https://fb/p.jpg"),
    ),
    (
        "twitter",
        {
            "data": {
                "id": "42",
                "name": "Tom",
                "username": "tom",
                "confirmed_email": "t@x.io",
                "profile_image_url": "https://x/t.png",
            }
        },
        ("42", "Tom", "tom", "t@x.io", "https://x/t.png"),
    ),
    (
        "spotify",
        {
            "id": "sp",
            "display_name": "Sam",
            "email": "unverified@x.io",
            "images": [{"url": "https://s/1.jpg"}],
        },
        ("sp", "Sam", "", "", "https://s/1.jpg"),
    ),
    (
        "twitch",
        {
            "data": [
                {
                    "id": "77",
                    "login": "streamer",
                    "display_name": "Streamer",
                    "email": "s@x.io",
                    "profile_image_url": "https://t/s.png",
                }
            ]
        },
        ("77", "Streamer", "streamer", "s@x.io", "https://t/s.png"),
    ),
    (
        "gitea",
        {"id": 5, "full_name": "Git Ea", "login": "gitea", "avatar_url": "https://g/a.png", "active": True},
        ("5", "Git Ea", "gitea", "", "https://g/a.png"),
    ),
    (
        "patreon",
        {
            "data": {
                "id": "p1",
                "attributes": {
                    "full_name": "Pat",
                    "vanity": "pat",
                    "email": "p@x.io",
                    "image_url": "https://p/i.png",
                    "is_email_verified": True,
                },
            }
        },
        ("p1", "Pat", "pat", "p@x.io", "https://p/i.png"),
    ),
    (
        "strava",
        {"id": 123, "firstname": "Ann", "lastname": "Runner", "username": "ann", "profile": "https://st/a"},
        ("123", "Ann Runner", "ann", "", "https://st/a"),
    ),
    (
        "yandex",
        {
            "id": "y1",
            "real_name": "Yan",
            "login": "yan",
            "default_email": "y@yandex.ru",
            "is_avatar_empty": False,
            "default_avatar_id": "av1",
        },
        ("y1", "Yan", "yan", "y@yandex.ru", "https://avatars.yandex.net/get-yapic/av1/islands-200"),
    ),
    (
        "kakao",
        {
            "id": 9,
            "properties": {"nickname": "kko", "profile_image": "https://k/p.png"},
            "kakao_account": {"email": "k@x.io", "is_email_valid": True, "is_email_verified": True},
        },
        ("9", "", "kko", "k@x.io", "https://k/p.png"),
    ),
    (
        "instagram2",
        {
            "id": "app-scoped",
            "user_id": "ig1",
            "name": "Ines",
            "username": "ines",
            "profile_picture_url": "u",
        },
        ("ig1", "Ines", "ines", "", "u"),
    ),
    (
        "box",
        {"id": "b1", "name": "Bo", "login": "bo@x.io", "avatar_url": "https://b/a", "status": "active"},
        ("b1", "Bo", "", "bo@x.io", "https://b/a"),
    ),
]


@pytest.mark.parametrize(("name", "payload", "expected"), CASES, ids=[c[0] for c in CASES])
def test_preset_maps_its_user(name: str, payload: dict[str, Any], expected: tuple[str, ...]) -> None:
    user = PRESETS[name].map_user(payload)
    assert (user.id, user.name, user.username, user.email, user.avatar_url) == expected
    assert user.raw == payload


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("gitea", {"id": 5, "login": "off", "active": False}),
        ("box", {"id": "b1", "login": "b@x.io", "status": "inactive"}),
        ("twitch", {"data": []}),
    ],
)
def test_refused_accounts_have_no_id(name: str, payload: dict[str, Any]) -> None:
    # the client answers a user without an id as a failed sign-in, as PocketBase refuses these
    assert PRESETS[name].map_user(payload).id == ""


def test_unverified_addresses_are_not_trusted() -> None:
    assert PRESETS["apple"].map_user({"sub": "1", "email": "a@x.io", "email_verified": False}).email == ""
    patreon = {"data": {"id": "p", "attributes": {"email": "p@x.io", "is_email_verified": False}}}
    assert PRESETS["patreon"].map_user(patreon).email == ""
    kakao = {"id": 1, "kakao_account": {"email": "k@x.io", "is_email_valid": True}}
    assert PRESETS["kakao"].map_user(kakao).email == ""


@pytest.mark.parametrize("name", [c[0] for c in CASES])
async def test_preset_resolves_its_endpoints(name: str) -> None:
    provider = await init_provider({"name": name, "clientId": "cid"})
    assert provider.auth_url.startswith("https://") and provider.token_url.startswith("https://")
    assert provider.user_info_url.startswith("https://") or provider.preset.is_oidc
    assert provider.display_name and provider.pkce


async def test_apple_checks_the_id_token_against_apples_keys() -> None:
    apple = await init_provider({"name": "apple", "clientId": "com.example.app"})
    assert apple.user_info_url == ""  # the user is the id_token
    assert apple.extra["jwksURL"] == "https://appleid.apple.com/auth/keys"
    assert apple.extra["issuers"] == ["https://appleid.apple.com"]
    own = await init_provider({"name": "apple", "extra": {"jwksURL": "https://keys.test/jwks"}})
    assert own.extra["jwksURL"] == "https://keys.test/jwks"


async def test_twitch_names_the_client_when_fetching_the_user() -> None:
    twitch_user = {"data": [{"id": "77", "login": "streamer", "display_name": "S", "email": ""}]}
    with OidcProvider(twitch_user) as idp:
        idp.tokens["access-1"] = twitch_user
        twitch = await init_provider(
            {"name": "twitch", "clientId": CLIENT_ID, "userInfoURL": idp.issuer + "/userinfo"}
        )
        user = await twitch.fetch_user({"access_token": "access-1"})
    assert (user.id, user.username) == ("77", "streamer")
    assert idp.userinfo_headers[-1]["Client-Id"] == CLIENT_ID
