"""The URL PostgreSQL's client tools get: libpq's parameters only, the password in PGPASSWORD."""

from __future__ import annotations

from bastion.store.pg_dump import libpq_target


def test_asyncpg_only_parameters_and_the_password_are_left_out_of_the_url() -> None:
    url, env = libpq_target("postgresql://bob:s%40cret@db.example:5433/app?search_path=bt_1&sslmode=require")
    assert url == "postgresql://bob@db.example:5433/app?sslmode=require"
    assert env["PGPASSWORD"] == "s@cret"
    url, env = libpq_target("postgres://127.0.0.1/test?password=pw")
    assert url == "postgresql://127.0.0.1/test"
    assert env["PGPASSWORD"] == "pw"
