"""Bastion's signatures verify with the reference implementation (the `standardwebhooks` package),
and fail it when anything signed changes."""

from __future__ import annotations

import base64
import os
import time

import pytest

from bastion.core.ids import random_from_pattern
from bastion.jobs.webhooks.collections import SECRET_PATTERN
from bastion.jobs.webhooks.signing import secret_key, signed_headers
from tests.conftest import importorskip_or_fail


@pytest.fixture
def verifier():
    return importorskip_or_fail("standardwebhooks", "standardwebhooks is not installed")


def test_generated_secret_is_24_random_bytes():
    import re

    secret = random_from_pattern("whsec_[A-Za-z0-9+/]{32}")
    assert re.match(SECRET_PATTERN, secret)
    assert len(secret_key(secret)) == 24


@pytest.mark.parametrize("size", [24, 32, 64])
def test_signature_verifies_with_standardwebhooks(verifier, size):
    secret = "whsec_" + base64.b64encode(os.urandom(size)).decode()
    body = '{"type":"record.created","data":{"record":{"title":"é"}}}'.encode()
    headers = signed_headers(secret, "evt_abc", int(time.time()), body)
    assert verifier.Webhook(secret).verify(body, headers) == {
        "type": "record.created",
        "data": {"record": {"title": "é"}},
    }
    with pytest.raises(verifier.WebhookVerificationError):
        verifier.Webhook(secret).verify(body + b" ", headers)
    with pytest.raises(verifier.WebhookVerificationError):
        verifier.Webhook(secret).verify(body, {**headers, "webhook-id": "evt_other"})
    other = "whsec_" + base64.b64encode(os.urandom(size)).decode()
    with pytest.raises(verifier.WebhookVerificationError):
        verifier.Webhook(other).verify(body, headers)


def test_not_a_secret():
    with pytest.raises(ValueError):
        secret_key("not-a-secret")
    with pytest.raises(ValueError):
        secret_key("whsec_***")
