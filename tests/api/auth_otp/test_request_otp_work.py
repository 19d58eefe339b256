"""request-otp does the same work for a registered address and an unknown one, so its timing
does not tell who has an account. Equal work, not equal time, is asserted: the same SQL
statements in the same order (values aside), the same transactions and the same password hashes
until the answer, the mail job's INSERT included (rolled back with the OTP for an unknown
address). (The job sends the mail after the answer, for a registered address only.)

The recorder wraps the App's real database and hash function and only notes what they ran.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bastion.core import passwords
from bastion.jobs import JobRunner
from tests.api.auth_otp.helpers import BASE, enable_otp
from tests.conftest import ApiClient, settle_jobs
from tests.support.smtp_server import SmtpSink

# The App's own statements that may run during any request: the once-a-second schema and
# settings check (and the reload after a change), and the request-log writer's batches
# (PostgreSQL: the same database).
HOUSEKEEPING = ("schema_sig", 'FROM "_collections"', 'FROM "_params"', '"_logs"')


class _TxRecorder:
    """An executor that notes each statement, then runs it on the real transaction."""

    def __init__(self, tx: Any, log: WorkLog) -> None:
        self._tx, self._log = tx, log

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)

    async def fetch_all(self, sql: str, params: Any = ()) -> Any:
        self._log.note("tx", sql)
        return await self._tx.fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Any = ()) -> Any:
        self._log.note("tx", sql)
        return await self._tx.fetch_one(sql, params)

    async def execute(self, sql: str, params: Any = ()) -> Any:
        self._log.note("tx", sql)
        return await self._tx.execute(sql, params)


class WorkLog:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, api: ApiClient) -> None:
        self.ops: list[tuple[str, ...]] = []
        self.recording = False
        db = api.app.db
        for name in ("fetch_all", "fetch_one", "execute"):
            monkeypatch.setattr(db, name, self._statement(getattr(db, name)))
        real_transaction = db.transaction

        @asynccontextmanager
        async def transaction() -> AsyncIterator[Any]:
            self.note("transaction")
            async with real_transaction() as tx:
                yield _TxRecorder(tx, self)

        monkeypatch.setattr(db, "transaction", transaction)
        real_hash = passwords.hash_password

        def hash_password(plain: str) -> str:
            self.note("hash", str(len(plain)))
            return real_hash(plain)

        monkeypatch.setattr(passwords, "hash_password", hash_password)

    def note(self, *op: str) -> None:
        if self.recording:
            self.ops.append(tuple(" ".join(part.split()) for part in op))

    def _statement(self, real: Callable[..., Any]) -> Callable[..., Any]:
        async def run(sql: str, params: Any = ()) -> Any:
            if not any(mark in sql for mark in HOUSEKEEPING):
                self.note("db", sql)
            return await real(sql, params)

        return run

    async def request_otp(self, api: ApiClient, email: str) -> list[tuple[str, ...]]:
        self.ops, self.recording = [], True
        r = await api.request("POST", f"{BASE}/request-otp", json={"email": email})
        self.recording = False
        assert r.status_code == 200, r.text
        assert list(r.json()) == ["otpId"] and len(r.json()["otpId"]) == 15
        return self.ops


async def test_known_and_unknown_addresses_cost_the_same(
    mail_api: ApiClient, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    await mail_api.create_user("known@example.com")
    await enable_otp(mail_api)
    # let the App see the schema change now, not during the requests compared
    assert (await mail_api.request("GET", f"{BASE}/auth-methods")).status_code == 200
    # The mail job runs in the runner's task, interleaved with the requests compared: the runner
    # is paused while they are recorded (its work is the mail, after the answer), then resumed;
    # meanwhile the client does not wait for the jobs to settle (mail_api's hook).
    await mail_api.app._job_runner.stop()
    monkeypatch.setitem(mail_api.http.event_hooks, "response", [])
    log = WorkLog(monkeypatch, mail_api)
    known = await log.request_otp(mail_api, "known@example.com")
    unknown = await log.request_otp(mail_api, "unknown@example.com")
    mail_api.app._job_runner = JobRunner(mail_api.app.jobs).start()
    await settle_jobs(mail_api.app)
    assert ("hash", "8") in known  # the work being compared includes the code's hash ...
    assert any(
        op[0] == "tx" and op[1].startswith('INSERT INTO "_otps"') for op in known
    )  # ... and its INSERT, and its mail job's
    assert any(op[0] == "tx" and op[1].startswith('INSERT INTO "_jobs"') for op in known)
    assert unknown == known
    # the unknown address got no mail and no OTP
    assert [m.rcpt_tos for m in smtp.inbox] == [["known@example.com"]]
    rows = await mail_api.app.db.fetch_all('SELECT "id" FROM "_otps"')
    assert len(rows) == 1
