"""The pure parts of the provider client: PKCE, random strings, the auth URL, preset resolution."""

from __future__ import annotations

import pytest

from bastion.auth.oauth2.provider_client import ProviderError, init_provider, random_string, s256_challenge


def test_s256_challenge_matches_rfc7636_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_random_string_is_alphanumeric_of_the_asked_length() -> None:
    value = random_string(43)
    assert len(value) == 43 and value.isascii() and value.isalnum()
    assert random_string(43) != value


async def test_preset_endpoints_and_overrides() -> None:
    google = await init_provider({"name": "google", "clientId": "abc"})
    url = google.build_auth_url("st", {"code_challenge": "cc", "code_challenge_method": "S256"})
    # golang.org/x/oauth2 sorts the parameters and form-encodes them, as Go's url.Values.Encode
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?client_id=abc&code_challenge=cc&")
    assert "&state=st" in url and "response_type=code" in url
    assert "scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fuserinfo.profile+https%3A" in url
    custom = await init_provider({"name": "gitlab", "authURL": "https://git.example.com/oauth/authorize?x=1"})
    assert custom.build_auth_url("s", {}).startswith("https://git.example.com/oauth/authorize?x=1&client_id=")
    assert custom.token_url == "https://gitlab.com/oauth/token" and custom.display_name == "GitLab"
    assert (await init_provider({"name": "discord", "pkce": False})).pkce is False
    microsoft = await init_provider({"name": "microsoft"})
    assert microsoft.user_info_url == "https://graph.microsoft.com/v1.0/me"
    assert microsoft.preset.map_user({"id": "m1", "displayName": "M", "mail": "m@x.io"}).email == "m@x.io"


async def test_unknown_provider_or_oidc_without_endpoints_fails() -> None:
    with pytest.raises(ProviderError):
        await init_provider({"name": "nope"})
    with pytest.raises(ProviderError):
        await init_provider({"name": "oidc", "clientId": "x"})
