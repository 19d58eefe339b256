"""OAuth2 client secrets never leave through the API, and sending a collection back keeps them:
the answers of PocketBase 0.40.6, checked with the binary."""

from __future__ import annotations

from typing import Any

from bastion.core.system_collections import USERS_ID
from tests.conftest import ApiClient

USERS = "/api/collections/users"
FULL_KEYS = ["pkce", "name", "clientId", "authURL", "tokenURL", "userInfoURL", "displayName", "extra"]


async def _stored(api: ApiClient) -> list[dict[str, Any]]:
    collection = api.app.registry.find_collection(USERS_ID)
    assert collection is not None
    return list(collection.options["oauth2"]["providers"])


def _secret_free(body: Any) -> None:
    assert "sekret" not in str(body)


async def test_client_secrets_are_never_returned(api: ApiClient) -> None:
    patch = {
        "oauth2": {
            "enabled": True,
            "providers": [{"name": "google", "clientId": "cid", "clientSecret": "sekret1"}],
        }
    }
    r = await api.su("PATCH", USERS, json=patch)
    assert r.status_code == 200, r.text
    _secret_free(r.json())
    [shown] = r.json()["oauth2"]["providers"]
    assert list(shown) == FULL_KEYS
    assert shown == {
        "pkce": None,
        "name": "google",
        "clientId": "cid",
        "authURL": "",
        "tokenURL": "",
        "userInfoURL": "",
        "displayName": "",
        "extra": {},
    }
    for url in (USERS, "/api/collections", "/api/collections?filter=name='users'"):
        r = await api.su("GET", url)
        assert r.status_code == 200
        _secret_free(r.json())
    [stored] = await _stored(api)
    assert stored["clientSecret"] == "sekret1"


async def test_sending_the_collection_back_keeps_the_secrets(api: ApiClient) -> None:
    patch = {
        "oauth2": {
            "enabled": True,
            "providers": [
                {"name": "google", "clientId": "g", "clientSecret": "sekret-g"},
                {"name": "github", "clientId": "h", "clientSecret": "sekret-h"},
            ],
        }
    }
    assert (await api.su("PATCH", USERS, json=patch)).status_code == 200
    # what a client got, edited and sent back: no secrets, another order, one value changed
    shown = (await api.su("GET", USERS)).json()["oauth2"]
    providers = list(reversed(shown["providers"]))
    providers[0]["clientId"] = "h2"
    r = await api.su("PATCH", USERS, json={"oauth2": {**shown, "providers": providers}})
    assert r.status_code == 200, r.text
    _secret_free(r.json())
    stored = {p["name"]: (p["clientId"], p["clientSecret"]) for p in await _stored(api)}
    assert stored == {"github": ("h2", "sekret-h"), "google": ("g", "sekret-g")}
    # a new secret replaces the stored one
    providers[1]["clientSecret"] = "sekret-g2"
    assert (await api.su("PATCH", USERS, json={"oauth2": {"providers": providers}})).status_code == 200
    assert {p["name"]: p["clientSecret"] for p in await _stored(api)}["google"] == "sekret-g2"


async def test_blank_or_missing_secrets_are_refused_while_oauth2_is_on(api: ApiClient) -> None:
    patch = {
        "oauth2": {"enabled": True, "providers": [{"name": "google", "clientId": "g", "clientSecret": "s"}]}
    }
    assert (await api.su("PATCH", USERS, json=patch)).status_code == 200
    for providers in (
        [{"name": "google", "clientId": "g", "clientSecret": ""}],  # a blank secret is not "keep it"
        [{"name": "github", "clientId": "h"}],  # a new provider has no stored secret
    ):
        r = await api.su("PATCH", USERS, json={"oauth2": {"providers": providers}})
        assert r.status_code == 400
        assert r.json() == {
            "data": {
                "oauth2": {
                    "providers": {
                        "0": {"clientSecret": {"code": "validation_required", "message": "Cannot be blank."}}
                    }
                }
            },
            "message": "Failed to update collection.",
            "status": 400,
        }
    assert [p["clientSecret"] for p in await _stored(api)] == ["s"]
    r = await api.su(
        "PATCH",
        USERS,
        json={
            "oauth2": {
                "providers": [{"name": "google", "clientId": "a"}, {"name": "google", "clientId": "b"}]
            }
        },
    )
    assert r.json()["data"] == {
        "oauth2": {
            "providers": {
                "1": {
                    "name": {
                        "code": "validation_duplicated_provider",
                        "message": "The provider google is already registered.",
                        "params": {"name": "google"},
                    }
                }
            }
        }
    }
