"""Password sign-in cost, in-process: the argon2id hash and verify, and auth-with-password per second.

    .venv/bin/python bench/auth_login.py                 # 30 hashes, 200 logins, SQLite
    .venv/bin/python bench/auth_login.py --logins 500 --concurrency 4

argon2id runs with Bastion's parameters (m=19456 KiB, t=2, p=1). The logins go through the whole
ASGI app over httpx's in-process transport (no sockets, no granian): password lookup, argon2
verify in a worker thread, sign-in origin bookkeeping, token, record JSON. The auth baseline rate
limit and the lockout are switched off for the run, since they exist to stop exactly this. Prints
medians and rates; the numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bastion.api.asgi import create_asgi_app  # noqa: E402
from bastion.app import App  # noqa: E402
from bastion.cli.superusers import upsert_superuser_in  # noqa: E402
from bastion.config import Config  # noqa: E402
from bastion.core.passwords import hash_password, verify_password  # noqa: E402

PASSWORD = "a-long-user-password"


def time_hashes(count: int) -> tuple[float, float]:
    """Median milliseconds of one argon2id hash and of one verify."""
    hashes, verifies = [], []
    stored = hash_password(PASSWORD)
    for _ in range(count):
        started = time.perf_counter()
        hash_password(PASSWORD)
        hashes.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert verify_password(PASSWORD, stored)
        verifies.append(time.perf_counter() - started)
    return statistics.median(hashes) * 1000, statistics.median(verifies) * 1000


async def logins_per_second(count: int, concurrency: int, database_url: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(
            data_dir=Path(tmp),
            database_url=database_url,
            ratelimit_auth_baseline=False,
            login_lockout_failures=0,
        )
        app = await App(config).start()
        try:
            await upsert_superuser_in(app, "admin@example.com", "admin-password-1")
            transport = httpx.ASGITransport(app=create_asgi_app(app, manage_lifecycle=False))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                admin = await client.post(
                    "/api/collections/_superusers/auth-with-password",
                    json={"identity": "admin@example.com", "password": "admin-password-1"},
                )
                headers = {"Authorization": admin.json()["token"]}
                email = f"user-{secrets.token_hex(4)}@example.com"  # a PostgreSQL database is reused
                body = {"email": email, "password": PASSWORD, "passwordConfirm": PASSWORD}
                r = await client.post("/api/collections/users/records", json=body, headers=headers)
                assert r.status_code == 200, r.text
                login = {"identity": email, "password": PASSWORD}
                url = "/api/collections/users/auth-with-password"
                assert (await client.post(url, json=login)).status_code == 200  # warm-up
                pending = iter(range(count))

                async def worker() -> None:
                    for _ in pending:
                        res = await client.post(url, json=login)
                        assert res.status_code == 200, res.text

                started = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(concurrency)))
                return count / (time.perf_counter() - started)
        finally:
            await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hashes", type=int, default=30)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 4])
    parser.add_argument("--db", default="", help="a PostgreSQL URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    hash_ms, verify_ms = time_hashes(args.hashes)
    print(
        f"argon2id m=19456 t=2 p=1: hash {hash_ms:.1f} ms, verify {verify_ms:.1f} ms (median of {args.hashes})"
    )
    for concurrency in args.concurrency:
        rate = asyncio.run(logins_per_second(args.logins, concurrency, args.db))
        print(f"auth-with-password, {concurrency} in flight: {rate:.1f} logins/s ({args.logins} logins)")


if __name__ == "__main__":
    main()
