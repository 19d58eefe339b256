"""The login lockout through auth-with-password: five wrong passwords lock the account for the
cool-down, from every address and even with the right password; a success clears the count.
"""

from __future__ import annotations

from typing import Any

import pytest

from bastion import ratelimit
from bastion.errors import TooManyRequestsError
from bastion.ratelimit import lockout
from tests.ratelimit.conftest import FakeClock
from tests.ratelimit.test_ratelimit_api import TOO_MANY, client_from

LOGIN = "/api/collections/users/auth-with-password"


async def login(api: Any, identity: str, password: str) -> int:
    return (await api.request("POST", LOGIN, json={"identity": identity, "password": password})).status_code


async def test_the_hooks_lock_a_real_account(api: Any, clock: FakeClock) -> None:
    """The functions the handler calls, on the App's own collection and record."""
    record, _ = await api.create_user("carol@example.com")
    ratelimit.attach(api.app, clock=clock)
    users = api.app.registry.find_collection("users")
    [found] = [r for r in await _records(api, users) if r.id == record["id"]]
    for _ in range(5):
        await lockout.check(api.app, users, "carol@example.com", found)
        await lockout.record_failure(api.app, users, "carol@example.com", found)
    with pytest.raises(TooManyRequestsError) as err:
        await lockout.check(api.app, users, "CAROL@example.com", found)
    assert err.value.retry_after == 600


async def _records(api: Any, collection: Any) -> list[Any]:
    from bastion.core.record_query import find_where

    return await find_where(api.app.db, collection, "email", "carol@example.com", limit=1)


async def test_five_failures_lock_the_account_everywhere_for_the_cool_down(
    api: Any, clock: FakeClock
) -> None:
    await api.create_user("dave@example.com", password="right-password")
    await api.create_user("erin@example.com", password="right-password")
    ratelimit.attach(api.app, clock=clock)
    assert [await login(api, "dave@example.com", "wrong") for _ in range(5)] == [400] * 5

    r = await api.request("POST", LOGIN, json={"identity": "dave@example.com", "password": "right-password"})
    assert (r.status_code, r.json(), r.headers["retry-after"]) == (429, TOO_MANY, "600")
    async with client_from(api.app, "203.0.113.50") as elsewhere:
        r = await elsewhere.post(LOGIN, json={"identity": "dave@example.com", "password": "right-password"})
        assert r.status_code == 429
    assert await login(api, "erin@example.com", "right-password") == 200  # other accounts are fine

    clock.advance(600)
    assert await login(api, "dave@example.com", "right-password") == 200


async def test_a_successful_login_clears_the_failures(api: Any, clock: FakeClock) -> None:
    await api.create_user("frank@example.com", password="right-password")
    ratelimit.attach(api.app, clock=clock)
    for _ in range(2):
        assert [await login(api, "frank@example.com", "wrong") for _ in range(4)] == [400] * 4
        assert await login(api, "frank@example.com", "right-password") == 200
    # without a success in between, the fifth failure locks
    assert [await login(api, "frank@example.com", "wrong") for _ in range(5)] == [400] * 5
    assert await login(api, "frank@example.com", "right-password") == 429


async def test_unknown_identities_lock_like_real_ones(api: Any, clock: FakeClock) -> None:
    """A 429 must not reveal whether an account exists."""
    ratelimit.attach(api.app, clock=clock)
    assert [await login(api, "nobody@example.com", "wrong") for _ in range(6)] == [400] * 5 + [429]
