"""`auth-methods`' `oauth2.providers` entries, as PocketBase builds them (no HTTP here, so the
auth-methods handler can import it without a cycle)."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from bastion.auth.oauth2.provider_client import (
    DocumentCache,
    ProviderError,
    init_provider,
    random_string,
    s256_challenge,
)
from bastion.core.app_protocol import App
from bastion.core.collection_model import Collection


class OAuth2App(App, Protocol):
    """The App, with the providers' documents (discovery, key sets) it caches for every sign-in."""

    @property
    def oauth2_documents(self) -> DocumentCache: ...


log = logging.getLogger("bastion.oauth2")


def provider_configs(collection: Collection) -> list[dict[str, Any]]:
    return [p for p in collection.options.get("oauth2", {}).get("providers", []) or [] if isinstance(p, dict)]


async def oauth2_providers_for(app: OAuth2App, collection: Collection) -> list[dict[str, Any]]:
    """`auth-methods`' `oauth2.providers`: one entry per usable provider, each with a fresh state
    and PKCE pair, as PocketBase builds them (a provider that fails to set up is skipped)."""
    if not collection.options.get("oauth2", {}).get("enabled"):
        return []
    entries = []
    for config in provider_configs(collection):
        try:
            provider = await init_provider(config, app.oauth2_documents)
        except (ProviderError, ValueError, OSError) as exc:
            log.debug("skipping OAuth2 provider %s: %s", config.get("name"), exc)
            continue
        state = random_string(30)
        verifier = challenge = method = ""
        params: dict[str, str] = {}
        if provider.pkce:
            verifier = random_string(43)
            challenge, method = s256_challenge(verifier), "S256"
            params = {"code_challenge": challenge, "code_challenge_method": method}
        if provider.name == "apple":
            params["response_mode"] = "form_post"
        auth_url = provider.build_auth_url(state, params) + "&redirect_uri="
        entries.append(
            {
                "authURL": auth_url,
                "authUrl": auth_url,  # the pre-0.23 key older SDKs read
                "codeChallenge": challenge,
                "codeChallengeMethod": method,
                "codeVerifier": verifier,
                "displayName": provider.display_name or provider.name,
                "logo": "",
                "name": provider.name,
                "state": state,
            }
        )
    return entries
