"""Sign in with Apple, end to end against the local provider standing in for Apple: the user is
the id_token (checked against the provider's JWKS and issuer), and the name Apple posts once to the
redirect on the first sign-in becomes the user's name, as in PocketBase."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bastion.auth.oauth2 import apple_name
from bastion.store.ephemeral_memory import MemoryStore
from tests.api.oauth2.landing import landing
from tests.api.oauth2.test_auth_with_oauth2 import (
    authorize,
    enable_oauth2,
    id_token_config,
    login,
    provider_entry,
)
from tests.support.oidc_provider import OidcProvider

# what Apple's id_token carries: no name, an email_verified that may be a string
APPLE_USER = {"sub": "001234.apple", "email": "ada@privaterelay.appleid.com", "email_verified": "true"}
MAPPED = {"id": "", "name": "name", "username": "", "avatarURL": ""}


@pytest.fixture
def apple_idp() -> Iterator[OidcProvider]:
    with OidcProvider(APPLE_USER) as provider:
        yield provider


async def test_first_sign_in_takes_the_name_apple_posted_to_the_redirect(
    api: Any, apple_idp: OidcProvider
) -> None:
    await enable_oauth2(api, id_token_config(apple_idp, "apple"), MAPPED)
    entry = await provider_entry(api, "apple")
    assert "response_mode=form_post" in entry["authURL"]
    code = await authorize(entry)
    waiting = api.app.realtime.register(ip="127.0.0.1")
    waiting.set_subscriptions(["@oauth2"])
    user_field = json.dumps({"name": {"firstName": "Ada", "lastName": "Lovelace"}, "email": "x"})
    r = await api.request(
        "POST", "/api/oauth2-redirect", data={"state": waiting.id, "code": code, "user": user_field}
    )
    assert landing(r) == "success"
    r = await login(api, entry, code)
    assert r.status_code == 200, r.text
    meta, record = r.json()["meta"], r.json()["record"]
    assert (meta["id"], meta["name"], meta["isNew"]) == ("001234.apple", "Ada Lovelace", True)
    assert (record["email"], record["verified"], record["name"]) == (
        APPLE_USER["email"],
        True,
        "Ada Lovelace",
    )
    # later sign-ins: Apple sends no name, and the one kept was used up
    entry = await provider_entry(api, "apple")
    r = await login(api, entry, await authorize(entry))
    assert r.status_code == 200 and r.json()["meta"]["name"] == ""
    assert r.json()["record"]["name"] == "Ada Lovelace"


async def test_an_id_token_from_another_issuer_is_refused(api: Any, apple_idp: OidcProvider) -> None:
    config = id_token_config(apple_idp, "apple")
    config["extra"]["issuers"] = ["https://appleid.apple.com"]
    await enable_oauth2(api, config, MAPPED)
    entry = await provider_entry(api, "apple")
    r = await login(api, entry, await authorize(entry))
    assert r.status_code == 400 and r.json()["message"] == "Failed to fetch OAuth2 user."


async def test_kept_names_are_taken_once_and_only_whole() -> None:
    store = MemoryStore()
    await apple_name.remember(store, "code-1", json.dumps({"name": {"firstName": " Grace ", "lastName": ""}}))
    assert await apple_name.take(store, "code-1") == "Grace"
    assert await apple_name.take(store, "code-1") == ""
    for junk in ("not json", "[]", json.dumps({"name": "flat"}), json.dumps({"name": {}})):
        await apple_name.remember(store, "code-2", junk)
        assert await apple_name.take(store, "code-2") == ""
    await apple_name.remember(store, "x" * 1001, json.dumps({"name": {"firstName": "Long"}}))
    assert len(store) == 0  # a code longer than any provider's is not kept
