"""Standard Webhooks signatures (https://www.standardwebhooks.com/): what a receiver verifies.

`webhook-signature` is `v1,` and the base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed
by the secret's bytes: the base64 after `whsec_`. `webhook-timestamp` is the attempt's own time in
Unix seconds (receivers refuse ones more than about five minutes off, so a retry is signed anew);
`webhook-id` is the event's id, the same on every attempt, for receivers to de-duplicate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SECRET_PREFIX = "whsec_"


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_…` secret stands for; ValueError when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    encoded = secret[len(SECRET_PREFIX) :]
    return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }
