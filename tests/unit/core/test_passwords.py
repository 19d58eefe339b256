"""Password hashing: argon2id for new hashes, PocketBase's bcrypt hashes still verify."""

from __future__ import annotations

import bcrypt
import pytest

from bastion.core.passwords import (
    hash_password,
    hash_password_async,
    is_password_hash,
    needs_rehash,
    verify_password,
    verify_password_async,
)

pytestmark = pytest.mark.real_password_hashing


def test_new_hashes_are_argon2id_with_owasp_parameters() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password("correct horse", stored)
    assert not verify_password("wrong horse", stored)
    assert not needs_rehash(stored)
    assert hash_password("correct horse") != stored  # salted


def test_pocketbase_bcrypt_hashes_verify_and_need_rehash() -> None:
    stored = bcrypt.hashpw(b"secret123", bcrypt.gensalt(10)).decode().replace("$2b$", "$2a$", 1)
    assert verify_password("secret123", stored)
    assert not verify_password("secret124", stored)
    assert needs_rehash(stored)


def test_long_passwords_against_bcrypt_use_the_first_72_bytes() -> None:
    stored = bcrypt.hashpw(b"x" * 72, bcrypt.gensalt(4)).decode()
    assert verify_password("x" * 80, stored)


def test_garbage_never_verifies() -> None:
    for stored in ["", "plain", "$argon2id$broken", "$2a$10$short"]:
        assert not verify_password("anything", stored)
    assert needs_rehash("$argon2id$broken")


def test_outdated_argon2_parameters_need_rehash() -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw")
    assert verify_password("pw", weak)
    assert needs_rehash(weak)


def test_is_password_hash() -> None:
    assert is_password_hash(hash_password("pw"))
    assert is_password_hash("$2a$10$abc")
    assert not is_password_hash("my password")


async def test_async_wrappers() -> None:
    stored = await hash_password_async("pw-async")
    assert await verify_password_async("pw-async", stored)
    assert not await verify_password_async("nope", stored)
