"""Password values of records: hashed and checked in worker threads, ahead of the write.

Hashing a password or checking an old one costs ~20 ms of CPU (argon2id, core/passwords.py).
Done on the event loop it stalls every request; done inside the write transaction it holds the
writer (SQLite's single writer lock, a PostgreSQL connection and row locks) for that long. So:

- every hash and check runs in a worker thread (`PasswordCrypto`);
- a request whose body carries password input first runs the create or update as a dry run
  outside any transaction (`prepare_crypto`: the same reads, rule and form checks,
  no writes), which leaves the results in its `PasswordCrypto`; the real run inside the
  transaction then finds them there and only repeats a check whose stored hash changed in
  between. A dry run that fails costs no crypto beyond what the real run would spend, since the
  crypto comes after the rule and form checks in both.

Every password-type field is hashed, an auth collection's `password` and a base collection's
own password fields alike (PocketBase hashes both; the API returns neither, see
record_export.py). Only `PlainPassword` values, the ones a client sent, are hashed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bastion.core.collection_model import Collection
from bastion.core.fields.field_password import PlainPassword
from bastion.core.passwords import hash_password_async, verify_password_async
from bastion.core.record_access import Access
from bastion.core.record_model import Record
from bastion.store.database import Executor

if TYPE_CHECKING:
    from bastion.core.record_service import RecordService

# Body keys of auth collections that carry password input without naming a field.
AUTH_PASSWORD_INPUTS = ("oldPassword", "passwordConfirm")


class PasswordCrypto:
    """One request's password hashes and checks, run in worker threads and remembered, so a
    dry run's results serve the real run. Not shared between requests."""

    def __init__(self) -> None:
        self._hashes: dict[str, str] = {}
        self._checks: dict[tuple[str, str], bool] = {}

    async def hash(self, plain: str) -> str:
        key = str(plain)
        found = self._hashes.get(key)
        if found is None:
            found = self._hashes[key] = await hash_password_async(key)
        return found

    async def verify(self, plain: str, stored: str) -> bool:
        key = (str(plain), str(stored))
        found = self._checks.get(key)
        if found is None:
            found = self._checks[key] = await verify_password_async(*key)
        return found


def has_password_input(collection: Collection, body: dict[str, Any]) -> bool:
    """Whether the body sets a password-type field (or, on auth collections, a password input)."""
    if collection.is_auth and any(k in body for k in AUTH_PASSWORD_INPUTS):
        return True
    return any(f.type == "password" and f.name in body for f in collection.fields)


async def hash_new_passwords(record: Record, crypto: PasswordCrypto) -> None:
    """Replace every new plain password of `record` (after validation) by its hash."""
    for f in record.collection.fields:
        if f.type != "password":
            continue
        value = record.data.get(f.name)
        if isinstance(value, PlainPassword):
            record.data[f.name] = await crypto.hash(value) if value else ""


async def prepare_crypto(
    records: RecordService,
    db: Executor,
    collection: Collection,
    body: dict[str, Any],
    access: Access,
    record_id: str | None = None,
) -> PasswordCrypto | None:
    """For a body with password input: run the create (or the update of `record_id`) as a dry
    run on `db`, outside any transaction, so that its password hashing and checking is done
    before the caller opens one. Pass the result to create/update as `crypto`. Errors are left
    for the real run to raise; None when the body has no password input."""
    if not has_password_input(collection, body):
        return None
    crypto = PasswordCrypto()
    try:
        if record_id is None:
            await records.create(db, collection, body, access, crypto=crypto, dry_run=True)
        else:
            await records.update(db, collection, record_id, body, access, crypto=crypto, dry_run=True)
    except Exception:  # noqa: BLE001 - the real run, inside the transaction, answers
        pass
    return crypto
