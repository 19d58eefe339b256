"""Password hashing: argon2id for new hashes, bcrypt accepted for hashes imported from PocketBase.

Parameters: argon2id with m = 19 MiB (19456 KiB), t = 2 iterations, p = 1 lane, a 16-byte salt
and a 32-byte tag: the first configuration OWASP's Password Storage Cheat Sheet recommends for
argon2id. It costs ~20 ms of one core and 19 MiB per hash, which keeps logins cheap enough for a
small server while staying memory-hard.

PocketBase stores bcrypt (`$2a$10$...`). Those still verify, and `needs_rehash` says True so the
caller can upgrade the stored hash after a successful login. The blocking work runs in a worker
thread through the `*_async` helpers so the event loop never stalls on a hash.

At most HASH_CONCURRENCY hashes run at once in a process (one per core it may use); the others
wait on the event loop. More at once would not finish sooner (each keeps a core busy), but
each holds its 19 MiB: a flood of sign-ins against a one-core worker held six (the executor's
threads) and the worker peaked at 180 MB instead of 80. Waiting on the loop rather than in an
executor thread leaves the executor to everything else (files, mail) during such a flood.
"""

from __future__ import annotations

import asyncio
import os
import weakref

import bcrypt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ARGON2_TIME_COST = 2
ARGON2_MEMORY_COST_KIB = 19456
ARGON2_PARALLELISM = 1

_hasher = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_COST_KIB,
    parallelism=ARGON2_PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)
_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
# bcrypt only ever reads the first 72 bytes; Go's verifier ignores the rest, newer Python
# bcrypt releases raise instead, so cut it here to keep PocketBase's behaviour.
_BCRYPT_MAX_BYTES = 72


def hash_password(plain: str) -> str:
    return _hasher.hash(plain)


def verify_password(plain: str, stored: str) -> bool:
    """True when `plain` matches an argon2 or bcrypt `stored` hash; False for anything else."""
    if not stored or not isinstance(plain, str):
        return False
    if stored.startswith("$argon2"):
        try:
            return _hasher.verify(stored, plain)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    if stored.startswith(_BCRYPT_PREFIXES):
        try:
            return bcrypt.checkpw(plain.encode("utf-8")[:_BCRYPT_MAX_BYTES], stored.encode("utf-8"))
        except ValueError:
            return False
    return False


def needs_rehash(stored: str) -> bool:
    """True for bcrypt (or unknown) hashes and argon2 hashes made with other parameters."""
    if not stored.startswith("$argon2"):
        return True
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def is_password_hash(value: str) -> bool:
    """Whether `value` looks like a stored hash rather than a plain password."""
    return value.startswith("$argon2") or value.startswith(_BCRYPT_PREFIXES)


HASH_CONCURRENCY = max(
    1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
)
# one semaphore per event loop (a worker has one; tests run many)
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _hash_slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(HASH_CONCURRENCY)
    return slots


async def hash_password_async(plain: str) -> str:
    async with _hash_slots():
        return await asyncio.to_thread(hash_password, plain)


async def verify_password_async(plain: str, stored: str) -> bool:
    async with _hash_slots():
        return await asyncio.to_thread(verify_password, plain, stored)
