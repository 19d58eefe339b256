"""Two real `bastion serve` processes on one database, as two workers or nodes behind a balancer
that alternates requests: a rate limit and the login lockout count once for both (SQLite's
`ephemeral.db` opened by both processes; PostgreSQL's UNLOGGED table)."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import fresh_pg_schema
from tests.support.serve_process import BASTION, serving

EMAIL, PASSWORD = "admin@example.com", "adminpass1234"
# windows far longer than the test, so it never straddles one's end
ENV = {"BASTION_LOGIN_LOCKOUT_WINDOW": "86400"}


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, ...]]:
    """`serve` arguments naming the database both processes share."""
    if request.param == "sqlite":
        yield ()
        return
    async with fresh_pg_schema() as url:
        yield ("--db", url)


@pytest.fixture
def two_workers(database: tuple[str, ...], tmp_path: Path) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Two served processes on one data directory and database; the first set up with a public
    `posts` collection, `*:list` limited to 3 per day, and a user (then the second started)."""
    data = tmp_path / "data"
    subprocess.run(
        [BASTION, "superuser", "upsert", EMAIL, PASSWORD, "--dir", str(data), *database],
        check=True,
        capture_output=True,
    )
    with serving(data, args=database, env=ENV) as (_, first), httpx.Client(base_url=first, timeout=10) as one:
        token = one.post(
            "/api/collections/_superusers/auth-with-password", json={"identity": EMAIL, "password": PASSWORD}
        ).json()["token"]
        su = {"Authorization": token}
        r = one.post("/api/collections", headers=su, json={"name": "posts", "listRule": "", "fields": []})
        assert r.status_code == 200, r.text
        rules = [{"label": "*:list", "audience": "", "duration": 86400, "maxRequests": 3}]
        r = one.patch("/api/settings", headers=su, json={"rateLimits": {"enabled": True, "rules": rules}})
        assert r.status_code == 200, r.text
        user = {
            "email": "gina@example.com",
            "password": "right-password",
            "passwordConfirm": "right-password",
        }
        assert one.post("/api/collections/users/records", headers=su, json=user).status_code == 200
        with (
            serving(data, args=database, env=ENV) as (_, second),
            httpx.Client(base_url=second, timeout=10) as two,
        ):
            yield one, two


def test_a_limit_and_the_lockout_hold_across_two_processes(
    two_workers: tuple[httpx.Client, httpx.Client],
) -> None:
    one, two = two_workers
    posts = "/api/collections/posts/records"
    assert [worker.get(posts).status_code for worker in (one, two, one, two)] == [200, 200, 200, 429]
    assert one.get(posts).status_code == 429

    login = "/api/collections/users/auth-with-password"
    wrong = {"identity": "gina@example.com", "password": "wrong"}
    right = {"identity": "gina@example.com", "password": "right-password"}
    assert [worker.post(login, json=wrong).status_code for worker in (one, two, one, two, one)] == [400] * 5
    for worker in (two, one):
        r = worker.post(login, json=right)
        assert (r.status_code, r.headers.get("retry-after")) == (429, "600"), r.text
