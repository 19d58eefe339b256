"""The login lockout through auth-with-password: five wrong passwords from one client lock that
client out of the account for the cool-down, even with the right password, while the owner signs
in from elsewhere; a success clears the client's count.
"""

from __future__ import annotations

from typing import Any

import pytest

from bastion import ratelimit
from bastion.errors import TooManyRequestsError
from bastion.ratelimit import lockout
from tests.api.ratelimit.conftest import TOO_MANY
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, FakeClock, client_from

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
        await lockout.check(api.app, users, "carol@example.com", found, client="192.0.2.1")
        await lockout.record_failure(api.app, users, "carol@example.com", found, client="192.0.2.1")
    with pytest.raises(TooManyRequestsError) as err:
        await lockout.check(api.app, users, "CAROL@example.com", found, client="192.0.2.1")
    assert err.value.retry_after == 600
    await lockout.check(api.app, users, "carol@example.com", found, client="192.0.2.2")


async def _records(api: Any, collection: Any) -> list[Any]:
    from bastion.core.record_query import find_where

    return await find_where(api.app.db, collection, "email", "carol@example.com", limit=1)


async def test_the_attacker_is_locked_out_not_the_owner(api: Any, clock: FakeClock) -> None:
    """The attack: five wrong passwords from one address, then the owner signs in from another."""
    await api.create_user("dave@example.com", password="right-password")
    ratelimit.attach(api.app, clock=clock)
    async with (
        client_from(api.app, "198.51.100.66") as attacker,
        client_from(api.app, "203.0.113.50") as owner,
    ):

        async def attempt(client: Any, identity: str, password: str) -> Any:
            return await client.post(LOGIN, json={"identity": identity, "password": password})

        for _ in range(5):
            assert (await attempt(attacker, "dave@example.com", "wrong")).status_code == 400
        # the attacker stays slowed: refused for the cool-down, whatever the password
        r = await attempt(attacker, "dave@example.com", "right-password")
        assert (r.status_code, r.json(), r.headers["retry-after"]) == (429, TOO_MANY, "600")
        # the owner is not: they sign in from their own address, and can again after that
        assert (await attempt(owner, "dave@example.com", "right-password")).status_code == 200
        assert (await attempt(owner, "dave@example.com", "right-password")).status_code == 200
        # the owner's success does not lift the attacker's lock, and it is not renewed by trying
        clock.advance(300)
        r = await attempt(attacker, "dave@example.com", "wrong")
        assert (r.status_code, r.headers["retry-after"]) == (429, "300")
        clock.advance(300)
        assert (await attempt(attacker, "dave@example.com", "wrong")).status_code == 400


async def test_superusers_are_not_locked_out_by_a_guesser(api: Any, clock: FakeClock) -> None:
    ratelimit.attach(api.app, clock=clock)
    su_login = "/api/collections/_superusers/auth-with-password"
    right = {"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD}
    wrong = {"identity": SUPERUSER_EMAIL, "password": "wrong"}
    async with (
        client_from(api.app, "198.51.100.67") as attacker,
        client_from(api.app, "203.0.113.51") as owner,
    ):
        assert [(await attacker.post(su_login, json=wrong)).status_code for _ in range(6)] == [400] * 5 + [
            429
        ]
        assert (await attacker.post(su_login, json=right)).status_code == 429
        assert (await owner.post(su_login, json=right)).status_code == 200


async def test_an_ipv6_guesser_is_one_client_per_64_network(api: Any, clock: FakeClock) -> None:
    await api.create_user("v6@example.com", password="right-password")
    ratelimit.attach(api.app, clock=clock)
    wrong = {"identity": "v6@example.com", "password": "wrong"}
    right = {"identity": "v6@example.com", "password": "right-password"}
    async with client_from(api.app, "2001:db8:0:1::1") as attacker:
        assert [(await attacker.post(LOGIN, json=wrong)).status_code for _ in range(5)] == [400] * 5
    async with client_from(api.app, "2001:db8:0:1:ffff::2") as same_network:
        assert (await same_network.post(LOGIN, json=right)).status_code == 429
    async with client_from(api.app, "2001:db8:0:2::1") as other_network:
        assert (await other_network.post(LOGIN, json=right)).status_code == 200


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
