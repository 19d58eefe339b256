"""The App's limiter: counting in the App's ephemeral store, timed by the App's clock.

The App builds its `limiter` when it starts (`build`), over the store every worker and node of
the deployment shares, so a limit or a lockout holds whichever process takes the next request.
`attach(app, ...)` replaces it, for tests: a fake clock, other options, another store.
"""

from __future__ import annotations

from typing import Protocol

from bastion.core.app_protocol import App
from bastion.ratelimit.limiter import Clock, Limiter
from bastion.ratelimit.options import LimitOptions
from bastion.store.ephemeral_base import EphemeralStore


class LimiterOwner(App, Protocol):
    """The App, holding the limiter its requests and logins count with (tests replace it)."""

    limiter: Limiter


def build(app: LimiterOwner) -> Limiter:
    """The limiter for the App's configuration, over its ephemeral store and clock."""
    return Limiter(app.ephemeral, LimitOptions.from_config(app.config), clock=app.clock)


def attach(
    app: LimiterOwner,
    *,
    store: EphemeralStore | None = None,
    clock: Clock | None = None,
    options: LimitOptions | None = None,
) -> Limiter:
    """Replace the app's limiter; unspecified parts are the App's (its store, clock, config)."""
    limiter = Limiter(
        store or app.ephemeral,
        options or LimitOptions.from_config(app.config),
        clock=clock or app.clock,
    )
    app.limiter = limiter
    return limiter


def limiter_of(app: LimiterOwner) -> Limiter:
    """The limiter the request check and the login lockout count with."""
    return app.limiter
