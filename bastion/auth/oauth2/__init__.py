"""OAuth2 / OpenID Connect sign-in: provider presets, the provider client, the sign-in itself."""

from bastion.auth.oauth2.provider_entries import oauth2_providers_for

__all__ = ["oauth2_providers_for"]
