"""Where password hashing and checking run: in a worker thread, and not while a write
transaction is open (a hash costs ~20 ms; inside the transaction it would hold SQLite's single
writer, or a PostgreSQL connection, that long). The answers are the same as before.

The spies wrap the real functions and only note where each call ran.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bastion.core import passwords, record_service
from tests.conftest import ApiClient

USERS = "/api/collections/users/records"


class Where:
    """Notes, for each hash or check, whether it ran on the event loop's thread and whether a
    transaction of the App's database was open."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, api: ApiClient) -> None:
        self.calls: list[tuple[str, bool, bool]] = []
        self.open_transactions = 0
        db = api.app.db
        real_transaction = db.transaction

        @asynccontextmanager
        async def transaction() -> AsyncIterator[Any]:
            self.open_transactions += 1
            try:
                async with real_transaction() as tx:
                    yield tx
            finally:
                self.open_transactions -= 1

        monkeypatch.setattr(db, "transaction", transaction)
        for name in ("hash_password", "verify_password"):
            spy = self._spy(name, getattr(passwords, name))
            monkeypatch.setattr(passwords, name, spy)
            # a module that imported the function by name calls it directly
            monkeypatch.setattr(record_service, name, spy, raising=False)

    def _spy(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def spy(*args: Any) -> Any:
            on_loop = threading.current_thread() is threading.main_thread()
            self.calls.append((name, on_loop, self.open_transactions > 0))
            return real(*args)

        return spy


async def test_changing_a_password_hashes_and_checks_off_the_loop_and_outside_the_write(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, token = await api.create_user("crypto@example.com")
    where = Where(monkeypatch, api)
    body = {"password": "newpass1234", "passwordConfirm": "newpass1234", "oldPassword": "userpass123"}
    r = await api.request("PATCH", f"{USERS}/{user['id']}", token=token, json=body)
    assert r.status_code == 200, r.text
    assert sorted(where.calls) == [("hash_password", False, False), ("verify_password", False, False)]

    # a wrong old password: the same answer as ever, found the same way
    where.calls.clear()
    token = (
        await api.request(
            "POST",
            "/api/collections/users/auth-with-password",
            json={"identity": "crypto@example.com", "password": "newpass1234"},
        )
    ).json()["token"]
    where.calls.clear()
    body = {"password": "other12345", "passwordConfirm": "other12345", "oldPassword": "wrong-password"}
    r = await api.request("PATCH", f"{USERS}/{user['id']}", token=token, json=body)
    assert r.status_code == 400
    assert r.json()["data"] == {
        "oldPassword": {
            "code": "validation_invalid_old_password",
            "message": "Missing or invalid old password.",
        }
    }
    assert where.calls == [("verify_password", False, False)]


async def test_creating_a_user_hashes_outside_the_write(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = Where(monkeypatch, api)
    body = {"email": "new@example.com", "password": "userpass123", "passwordConfirm": "userpass123"}
    r = await api.request("POST", USERS, json=body)
    assert r.status_code == 200, r.text
    assert where.calls == [("hash_password", False, False)]
