"""What the HTTP layer asks the App per request: who the client is behind a proxy, who may see timings.

bastion/http knows nothing of the App; these two callables, handed to its stack by api/asgi.py,
answer from the App's current state on every request (never from a copy taken at start-up), so a
settings change reaches every worker with the App's own settings sync (within about a second).
"""

from __future__ import annotations

from bastion.app import App
from bastion.core.settings_sections import Settings
from bastion.http.asgi_headers import Scope
from bastion.http.proxy import SettingsSource, TrustedProxySettings


def trusted_proxy_source(app: App) -> SettingsSource:
    """PocketBase's `trustedProxy` settings as the App holds them now, for bastion/http/proxy.py.

    Read, not refreshed: the proxy layer runs for every request, health probes included, which
    must never wait on the database; the App's settings follow other workers' changes before
    any /api/ route but health runs (App.refresh_if_stale).
    """

    def current() -> TrustedProxySettings:
        return trusted_proxy_of(app.settings)

    return current


def trusted_proxy_of(settings: Settings) -> TrustedProxySettings:
    proxy = settings.trusted_proxy
    return [h for h in proxy.headers if h.strip()], proxy.use_leftmost_ip


def timing_for_superusers(scope: Scope) -> bool:
    """Server-Timing only for a caller signed in as a superuser (resolved by the handler).

    The `db` and `auth` segments time a password check or the existence of a row; anyone else
    would get a clean timing oracle.
    """
    auth = scope.get("state", {}).get("bastion_auth")
    collection = getattr(auth, "collection", None)
    return bool(getattr(collection, "is_superusers", False))
