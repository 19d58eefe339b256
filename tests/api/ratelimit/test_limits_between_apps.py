"""Rate limits and the login lockout hold across processes: two Apps on one database stand for two
workers (or nodes) behind a balancer that alternates requests between them. With the default
store (the database) both count in one place, so alternating gains a client nothing."""

from __future__ import annotations

from typing import Any

from bastion import ratelimit
from tests.api.ratelimit.conftest import TOO_MANY, enable, rule
from tests.conftest import FakeClock, client_from, second_app

LOGIN = "/api/collections/users/auth-with-password"


async def test_a_limit_holds_when_requests_alternate_between_workers(api: Any, clock: FakeClock) -> None:
    await api.create_collection({"name": "posts", "type": "base", "listRule": "", "fields": []})
    await enable(api, rule("*:list", 3))
    posts = "/api/collections/posts/records"
    async with (
        second_app(api) as worker_two,
        client_from(api.app, "192.0.2.10") as one,
        client_from(worker_two, "192.0.2.10") as two,
    ):
        ratelimit.attach(api.app, clock=clock)
        ratelimit.attach(worker_two, clock=clock)
        statuses = [(await worker.get(posts)).status_code for worker in (one, two, one, two)]
        assert statuses == [200, 200, 200, 429]
        r = await one.get(posts)
        assert (r.status_code, r.json()) == (429, TOO_MANY)
        # another client keeps its own budget on either worker
        async with client_from(worker_two, "192.0.2.11") as other_client:
            assert (await other_client.get(posts)).status_code == 200


async def test_the_lockout_holds_when_guesses_alternate_between_workers(api: Any, clock: FakeClock) -> None:
    await api.create_user("erin@example.com", password="right-password")
    wrong = {"identity": "erin@example.com", "password": "wrong"}
    right = {"identity": "erin@example.com", "password": "right-password"}
    async with (
        second_app(api) as worker_two,
        client_from(api.app, "198.51.100.70") as one,
        client_from(worker_two, "198.51.100.70") as two,
    ):
        ratelimit.attach(api.app, clock=clock)
        ratelimit.attach(worker_two, clock=clock)
        statuses = [(await worker.post(LOGIN, json=wrong)).status_code for worker in (one, two) * 2]
        assert statuses == [400] * 4
        assert (await one.post(LOGIN, json=wrong)).status_code == 400  # the fifth failure
        for worker in (one, two):
            r = await worker.post(LOGIN, json=right)
            assert (r.status_code, r.json(), r.headers["retry-after"]) == (429, TOO_MANY, "600")
        async with client_from(worker_two, "203.0.113.70") as owner:
            assert (await owner.post(LOGIN, json=right)).status_code == 200
