"""Shared by the authorization tests: a probe that tries list, view, update and delete as one actor.

Each scenario states, per actor, what that actor sees and may do; `probe` performs the four
operations through the public API (both databases, via the `api` fixture) and reports what the
client got, so a test reads as a table of expectations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.api.authz.authz_outcome import Outcome

Probe = Callable[..., Awaitable[Outcome]]


@pytest.fixture
def probe(api: Any) -> Probe:
    """`await probe(collection, token, target, disposable)` -> Outcome.

    `target` is viewed and updated (its title is left unchanged, so actors do not disturb each
    other); `disposable` is deleted, a separate record so that a successful delete by one actor
    does not change what the next one sees. `token` is "" for anonymous.
    """

    async def run(collection: str, token: str, target: dict[str, Any], disposable: dict[str, Any]) -> Outcome:
        base = f"/api/collections/{collection}/records"
        listed = await api.request("GET", base, token=token, params={"perPage": 500})
        assert listed.status_code == 200, listed.text
        view = await api.request("GET", f"{base}/{target['id']}", token=token)
        update = await api.request(
            "PATCH", f"{base}/{target['id']}", token=token, json={"title": target["title"]}
        )
        delete = await api.request("DELETE", f"{base}/{disposable['id']}", token=token)
        return Outcome(
            listed=frozenset(item["title"] for item in listed.json()["items"]),
            view=view.status_code,
            update=update.status_code,
            delete=delete.status_code,
        )

    return run
