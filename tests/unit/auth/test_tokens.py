"""Auth tokens: signature, type and expiry checks, also when the verification is cached."""

from __future__ import annotations

import time

from bastion.auth import tokens

KEY, SECRET = "k" * 50, "s" * 50


def test_valid_token_verifies_repeatedly():
    token = tokens.issue_token("rec1", "col1", KEY, SECRET, 60)
    first = tokens.verify_token(token, KEY, SECRET)
    assert first is not None and first["id"] == "rec1"
    assert tokens.verify_token(token, KEY, SECRET) == first


def test_wrong_key_type_or_expiry_fail():
    token = tokens.issue_token("rec1", "col1", KEY, SECRET, 60)
    assert tokens.verify_token(token, "x" * 50, SECRET) is None  # rotated tokenKey
    assert tokens.verify_token(token, KEY, SECRET, token_type="file") is None
    assert tokens.verify_token(tokens.issue_token("r", "c", KEY, SECRET, -5), KEY, SECRET) is None
    # A token verified (and cached) while valid is refused once its expiry passes.
    assert tokens.verify_token(token, KEY, SECRET) is not None
    assert tokens.verify_token(token, KEY, SECRET, now=time.time() + 120) is None


def test_unverified_claims_refuses_other_algorithms():
    import jwt

    none_token = jwt.encode({"id": "x", "type": "auth", "exp": int(time.time()) + 60}, None, algorithm="none")  # type: ignore[arg-type]
    assert tokens.unverified_claims(none_token) is None
    assert tokens.unverified_claims("garbage") is None
