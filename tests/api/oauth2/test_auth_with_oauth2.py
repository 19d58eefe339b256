"""OAuth2 / OpenID Connect sign-in against a real local provider, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from bastion.api.record_auth_oauth2 import oauth2_providers_for
from tests.api.oauth2.landing import landing
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider

REDIRECT = "http://127.0.0.1:1/oauth2-redirect"
USER = {
    "sub": "ext-user-1",
    "name": "Ada Lovelace",
    "preferred_username": "ada",
    "email": "ada@example.com",
    "email_verified": True,
    "picture": "https://example.com/ada.png",
}


@pytest.fixture
def idp() -> Iterator[OidcProvider]:
    with OidcProvider(USER) as provider:
        yield provider


async def enable_oauth2(api: Any, provider: dict[str, Any], mapped: dict[str, str] | None = None) -> None:
    users = api.app.registry.find_collection("users")
    oauth2 = {"enabled": True, "providers": [provider]}
    if mapped is not None:
        oauth2["mappedFields"] = mapped
    r = await api.su("PATCH", f"/api/collections/{users.id}", json={"oauth2": oauth2})
    assert r.status_code == 200, r.text


def id_token_config(idp: OidcProvider, name: str) -> dict[str, Any]:
    """A provider without userinfo: the user is the id_token, checked with the JWKS and issuer."""
    return {
        "name": name,
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "authURL": idp.issuer + "/authorize",
        "tokenURL": idp.issuer + "/token",
        "extra": {"jwksURL": idp.issuer + "/jwks", "issuers": [idp.issuer]},
    }


def oidc_config(idp: OidcProvider) -> dict[str, Any]:
    return {
        "name": "oidc",
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "extra": {"issuer": idp.issuer},
    }


async def provider_entry(api: Any, name: str = "oidc") -> dict[str, Any]:
    users = api.app.registry.find_collection("users")
    entries = await oauth2_providers_for(api.app, users)
    return next(e for e in entries if e["name"] == name)


async def authorize(entry: dict[str, Any]) -> str:
    """Follow the authURL as a browser would, stopping at the redirect back; returns the code."""
    async with httpx.AsyncClient() as browser:
        res = await browser.get(entry["authURL"] + REDIRECT, follow_redirects=False)
    assert res.status_code == 302, res.text
    back = parse_qs(urlparse(res.headers["location"]).query)
    assert back["state"] == [entry["state"]]
    return back["code"][0]


async def login(api: Any, entry: dict[str, Any], code: str, **extra: Any) -> httpx.Response:
    body = {
        "provider": entry["name"],
        "code": code,
        "codeVerifier": entry["codeVerifier"],
        "redirectURL": REDIRECT,
    }
    return await api.request("POST", "/api/collections/users/auth-with-oauth2", json={**body, **extra})


async def links(api: Any) -> list[dict[str, Any]]:
    r = await api.su("GET", "/api/collections/_externalAuths/records")
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_provider_entry_has_state_and_pkce(api: Any, idp: OidcProvider) -> None:
    await enable_oauth2(api, oidc_config(idp))
    entry = await provider_entry(api)
    assert entry["displayName"] == "OIDC"
    assert len(entry["state"]) == 30 and entry["state"].isalnum()
    assert len(entry["codeVerifier"]) == 43 and entry["codeChallengeMethod"] == "S256"
    query = parse_qs(urlparse(entry["authURL"]).query, keep_blank_values=True)
    assert entry["authURL"].startswith(idp.issuer + "/authorize?")
    assert entry["authURL"].endswith("&redirect_uri=")
    assert query["code_challenge"] == [entry["codeChallenge"]]
    assert query["client_id"] == [CLIENT_ID] and query["scope"] == ["openid email profile"]


async def test_providers_listed_only_when_enabled(api: Any, idp: OidcProvider) -> None:
    users = api.app.registry.find_collection("users")
    assert await oauth2_providers_for(api.app, users) == []
    await enable_oauth2(api, {**oidc_config(idp), "displayName": "Company SSO"})
    [entry] = await oauth2_providers_for(api.app, api.app.registry.find_collection("users"))
    assert entry["displayName"] == "Company SSO"


async def test_first_login_creates_and_links_second_finds_same(api: Any, idp: OidcProvider) -> None:
    await enable_oauth2(api, oidc_config(idp), {"id": "", "name": "name", "username": "", "avatarURL": ""})
    entry = await provider_entry(api)
    r = await login(api, entry, await authorize(entry))
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["token"]
    assert first["record"]["email"] == "ada@example.com"
    assert first["record"]["name"] == "Ada Lovelace"
    assert first["record"]["verified"] is True
    meta = first["meta"]
    assert meta["isNew"] is True and meta["id"] == "ext-user-1" and meta["email"] == "ada@example.com"
    assert meta["rawUser"]["preferred_username"] == "ada" and meta["accessToken"]
    [link] = await links(api)
    assert (link["provider"], link["providerId"], link["recordRef"]) == (
        "oidc",
        "ext-user-1",
        first["record"]["id"],
    )

    entry = await provider_entry(api)
    r = await login(api, entry, await authorize(entry))
    assert r.status_code == 200, r.text
    assert r.json()["record"]["id"] == first["record"]["id"]
    assert r.json()["meta"]["isNew"] is False
    assert len(await links(api)) == 1
    # the token works like any other auth token
    me = await api.request("POST", "/api/collections/users/auth-refresh", token=r.json()["token"])
    assert me.status_code == 200 and me.json()["record"]["id"] == first["record"]["id"]


async def test_existing_verified_email_is_linked(api: Any, idp: OidcProvider) -> None:
    rec = await api.create_record(
        "users",
        {"email": "ada@example.com", "password": "x" * 10, "passwordConfirm": "x" * 10, "verified": True},
    )
    await enable_oauth2(api, oidc_config(idp))
    entry = await provider_entry(api)
    r = await login(api, entry, await authorize(entry))
    assert r.status_code == 200, r.text
    assert r.json()["record"]["id"] == rec["id"] and r.json()["meta"]["isNew"] is False
    # a verified account keeps its password
    pw = await api.request(
        "POST",
        "/api/collections/users/auth-with-password",
        json={"identity": "ada@example.com", "password": "x" * 10},
    )
    assert pw.status_code == 200


async def test_unverified_precreated_account_loses_its_password_and_links(
    api: Any, idp: OidcProvider
) -> None:
    rec = await api.create_record(
        "users", {"email": "ada@example.com", "password": "x" * 10, "passwordConfirm": "x" * 10}
    )
    users = api.app.registry.find_collection("users")
    planted = {
        "collectionRef": users.id,
        "recordRef": rec["id"],
        "provider": "github",
        "providerId": "attacker",
    }
    await api.create_record("_externalAuths", planted)
    await enable_oauth2(api, oidc_config(idp))
    entry = await provider_entry(api)
    r = await login(api, entry, await authorize(entry))
    assert r.status_code == 200, r.text
    assert r.json()["record"]["id"] == rec["id"] and r.json()["record"]["verified"] is True
    assert [(x["provider"], x["providerId"]) for x in await links(api)] == [("oidc", "ext-user-1")]
    pw = await api.request(
        "POST",
        "/api/collections/users/auth-with-password",
        json={"identity": "ada@example.com", "password": "x" * 10},
    )
    assert pw.status_code == 400


async def test_create_data_is_used_for_new_records(api: Any, idp: OidcProvider) -> None:
    await enable_oauth2(api, oidc_config(idp))
    entry = await provider_entry(api)
    r = await login(api, entry, await authorize(entry), createData={"name": "Countess"})
    assert r.status_code == 200, r.text
    assert r.json()["record"]["name"] == "Countess"


async def test_wrong_pkce_verifier_is_400(api: Any, idp: OidcProvider) -> None:
    await enable_oauth2(api, oidc_config(idp))
    entry = await provider_entry(api)
    code = await authorize(entry)
    r = await login(api, {**entry, "codeVerifier": "x" * 43}, code)
    assert r.status_code == 400
    assert r.json() == {"data": {}, "message": "Failed to fetch OAuth2 token.", "status": 400}
    assert await links(api) == []


async def test_wrong_or_reused_code_is_400(api: Any, idp: OidcProvider) -> None:
    await enable_oauth2(api, oidc_config(idp))
    entry = await provider_entry(api)
    r = await login(api, entry, "not-a-code")
    assert r.status_code == 400 and r.json()["message"] == "Failed to fetch OAuth2 token."
    code = await authorize(entry)
    assert (await login(api, entry, code)).status_code == 200
    assert (await login(api, entry, code)).status_code == 400


async def test_id_token_claims_checked_against_jwks(api: Any, idp: OidcProvider) -> None:
    # No userinfo endpoint: the user comes from the id_token, verified with the provider's JWKS.
    await enable_oauth2(api, id_token_config(idp, "oidc2"))
    entry = await provider_entry(api, "oidc2")
    r = await login(api, entry, await authorize(entry))
    assert r.status_code == 200, r.text
    assert r.json()["meta"]["id"] == "ext-user-1" and r.json()["record"]["email"] == "ada@example.com"


async def test_id_token_from_wrong_issuer_is_refused(api: Any, idp: OidcProvider) -> None:
    config = {
        "name": "oidc2",
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "authURL": idp.issuer + "/authorize",
        "tokenURL": idp.issuer + "/token",
        "extra": {"jwksURL": idp.issuer + "/jwks", "issuers": ["https://someone-else.example"]},
    }
    await enable_oauth2(api, config)
    entry = await provider_entry(api, "oidc2")
    r = await login(api, entry, await authorize(entry))
    assert r.status_code == 400 and r.json()["message"] == "Failed to fetch OAuth2 user."


async def test_form_errors(api: Any, idp: OidcProvider) -> None:
    r = await api.request(
        "POST", "/api/collections/users/auth-with-oauth2", json={"provider": "oidc", "code": "x"}
    )
    assert r.status_code == 403
    await enable_oauth2(api, oidc_config(idp))
    r = await api.request("POST", "/api/collections/users/auth-with-oauth2", json={"provider": "google"})
    assert r.status_code == 400
    assert r.json()["message"] == "An error occurred while loading the submitted data."
    assert r.json()["data"]["provider"]["code"] == "validation_invalid_provider"
    assert r.json()["data"]["code"]["code"] == "validation_required"


async def test_auth_methods_lists_providers(api: Any, idp: OidcProvider) -> None:
    await enable_oauth2(api, oidc_config(idp))
    r = await api.request("GET", "/api/collections/users/auth-methods")
    [entry] = r.json()["oauth2"]["providers"]
    assert entry["name"] == "oidc" and entry["codeChallengeMethod"] == "S256"
    assert r.json()["authProviders"][0]["name"] == "oidc"


async def test_github_preset_maps_user_and_verified_primary_email(api: Any) -> None:
    github_user = {"id": 4242, "login": "octo", "name": "Octo Cat", "avatar_url": "https://example.com/o.png"}
    emails = [
        {"email": "old@example.com", "verified": True, "primary": False},
        {"email": "octo@example.com", "verified": True, "primary": True},
    ]
    with OidcProvider(github_user, emails) as gh:
        config = {
            "name": "github",
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "authURL": gh.issuer + "/authorize",
            "tokenURL": gh.issuer + "/token",
            "userInfoURL": gh.issuer + "/userinfo",
        }
        await enable_oauth2(api, config, {"id": "", "name": "name", "username": "", "avatarURL": ""})
        entry = await provider_entry(api, "github")
        assert entry["displayName"] == "GitHub"
        assert parse_qs(urlparse(entry["authURL"]).query)["scope"] == ["read:user user:email"]
        r = await login(api, entry, await authorize(entry))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["meta"]["id"] == "4242" and body["meta"]["username"] == "octo"
    assert body["meta"]["email"] == "octo@example.com"
    assert body["record"]["email"] == "octo@example.com" and body["record"]["name"] == "Octo Cat"
    [link] = await links(api)
    assert (link["provider"], link["providerId"]) == ("github", "4242")


async def test_signed_in_user_links_a_provider_to_itself(api: Any, idp: OidcProvider) -> None:
    rec, token = await api.create_user("someone@example.com")
    await enable_oauth2(api, oidc_config(idp))
    entry = await provider_entry(api)
    code = await authorize(entry)
    body = {"provider": "oidc", "code": code, "codeVerifier": entry["codeVerifier"], "redirectURL": REDIRECT}
    r = await api.request("POST", "/api/collections/users/auth-with-oauth2", token=token, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["record"]["id"] == rec["id"]
    [link] = await links(api)
    assert link["recordRef"] == rec["id"]


async def test_superusers_cannot_sign_up_with_oauth2(api: Any, idp: OidcProvider) -> None:
    su = api.app.registry.find_collection("_superusers")
    config = oidc_config(idp)
    r = await api.su(
        "PATCH", f"/api/collections/{su.id}", json={"oauth2": {"enabled": True, "providers": [config]}}
    )
    assert r.status_code == 200, r.text
    entries = await oauth2_providers_for(api.app, api.app.registry.find_collection("_superusers"))
    code = await authorize(entries[0])
    body = {
        "provider": "oidc",
        "code": code,
        "codeVerifier": entries[0]["codeVerifier"],
        "redirectURL": REDIRECT,
    }
    r = await api.request("POST", "/api/collections/_superusers/auth-with-oauth2", json=body)
    assert r.status_code == 400 and r.json()["message"] == "Failed to authenticate."


async def test_auth_rule_applies_after_linking(api: Any, idp: OidcProvider) -> None:
    users = api.app.registry.find_collection("users")
    r = await api.su("PATCH", f"/api/collections/{users.id}", json={"authRule": "name = 'allowed'"})
    assert r.status_code == 200, r.text
    await enable_oauth2(api, oidc_config(idp), {"id": "", "name": "name", "username": "", "avatarURL": ""})
    entry = await provider_entry(api)
    r = await login(api, entry, await authorize(entry))
    # PocketBase 0.40.6 (checked against the binary): 403, as for every other sign-in method
    assert r.status_code == 403
    assert r.json()["message"] == "The request doesn't satisfy the collection requirements to authenticate."
    assert len(await links(api)) == 1  # the account exists; only the sign-in is refused


async def test_mfa_asks_for_a_second_factor(api: Any, idp: OidcProvider) -> None:
    users = api.app.registry.find_collection("users")
    await enable_oauth2(api, oidc_config(idp))  # MFA needs two methods on: password and OAuth2
    r = await api.su("PATCH", f"/api/collections/{users.id}", json={"mfa": {"enabled": True}})
    assert r.status_code == 200, r.text
    entry = await provider_entry(api)
    r = await login(api, entry, await authorize(entry))
    assert r.status_code == 401 and set(r.json()) == {"mfaId"}


async def test_redirect_hands_the_code_to_the_waiting_realtime_client(api: Any) -> None:
    hub = api.app.realtime
    client = hub.register(ip="127.0.0.1")
    client.set_subscriptions(["@oauth2"])
    r = await api.request("GET", f"/api/oauth2-redirect?state={client.id}&code=the-code")
    assert landing(r) == "success"
    message = client.outbox.get_nowait()
    assert message.name == "@oauth2"
    assert json.loads(message.data) == {"state": client.id, "code": "the-code"}
    # one answer per subscription: a replay finds nobody waiting
    r = await api.request("GET", f"/api/oauth2-redirect?state={client.id}&code=again")
    assert landing(r) == "failure" and client.outbox.empty()


async def test_redirect_error_and_unknown_state(api: Any) -> None:
    api.app.oauth2_relay.wait = 0.3  # how long an unknown state waits for another process's reply
    hub = api.app.realtime
    client = hub.register(ip="127.0.0.1")
    client.set_subscriptions(["@oauth2"])
    r = await api.request("POST", "/api/oauth2-redirect", data={"state": client.id, "error": "access_denied"})
    assert landing(r) == "failure"
    assert json.loads(client.outbox.get_nowait().data) == {
        "state": client.id,
        "code": "",
        "error": "access_denied",
    }
    for state in ("nobody", "not/a/client/id", "x" * 65):
        r = await api.request("GET", f"/api/oauth2-redirect?state={state}&code=x")
        assert landing(r) == "failure"
    other = hub.register(ip="10.9.9.9")  # started from another address
    other.set_subscriptions(["@oauth2"])
    r = await api.request("GET", f"/api/oauth2-redirect?state={other.id}&code=x")
    assert landing(r) == "failure" and other.outbox.empty()
