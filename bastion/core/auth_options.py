"""Default options of auth collections (PocketBase 0.23+ shape), with Bastion's own mail texts."""

from __future__ import annotations

import copy
from typing import Any

_FOOTER = "<p>\n  Regards,<br/>\n  The {APP_NAME} team\n</p>"


def _template(subject: str, body: str) -> dict[str, str]:
    return {"subject": subject, "body": body + "\n" + _FOOTER}


_DEFAULTS: dict[str, Any] = {
    "authRule": "",
    "manageRule": None,
    "authAlert": {
        "enabled": True,
        "emailTemplate": _template(
            "New sign-in to your {APP_NAME} account",
            "<p>Hi,</p>\n<p>Your {APP_NAME} account was just used to sign in from a device we had not"
            " seen before:</p>\n<p><em>{ALERT_INFO}</em></p>\n<p><strong>Not you? Change your password"
            " now: that signs out every other device.</strong></p>",
        ),
    },
    "oauth2": {
        "providers": [],
        "mappedFields": {"id": "", "name": "", "username": "", "avatarURL": ""},
        "enabled": False,
    },
    "passwordAuth": {"enabled": True, "identityFields": ["email"]},
    "mfa": {"enabled": False, "duration": 600, "rule": ""},
    "otp": {
        "enabled": False,
        "duration": 180,
        "length": 8,
        "emailTemplate": _template(
            "Your {APP_NAME} sign-in code",
            "<p>Hi,</p>\n<p>Your one-time sign-in code is <strong>{OTP}</strong>.</p>\n"
            "<p><i>You can ignore this message if you did not ask for a code.</i></p>",
        ),
    },
    "authToken": {"duration": 432000},
    "passwordResetToken": {"duration": 1800},
    "emailChangeToken": {"duration": 1800},
    "verificationToken": {"duration": 86400},
    "fileToken": {"duration": 180},
    "verificationTemplate": _template(
        "Confirm your {APP_NAME} email address",
        '<p>Hi,</p>\n<p>Welcome to {APP_NAME}. Please confirm your email address:</p>\n<p>\n  <a class="btn"'
        ' href="{APP_URL}/_/#/auth/confirm-verification/{TOKEN}" target="_blank" rel="noopener">Confirm'
        " email</a>\n</p>\n<p><i>You can ignore this message if you did not sign up.</i></p>",
    ),
    "resetPasswordTemplate": _template(
        "Reset your {APP_NAME} password",
        '<p>Hi,</p>\n<p>Use the link below to choose a new password:</p>\n<p>\n  <a class="btn"'
        ' href="{APP_URL}/_/#/auth/confirm-password-reset/{TOKEN}" target="_blank" rel="noopener">Choose a'
        " new password</a>\n</p>\n<p><i>You can ignore this message if you did not ask for it.</i></p>",
    ),
    "confirmEmailChangeTemplate": _template(
        "Confirm your new {APP_NAME} email address",
        '<p>Hi,</p>\n<p>Use the link below to confirm your new email address:</p>\n<p>\n  <a class="btn"'
        ' href="{APP_URL}/_/#/auth/confirm-email-change/{TOKEN}" target="_blank" rel="noopener">Confirm new'
        " address</a>\n</p>\n<p><i>You can ignore this message if you did not ask for it.</i></p>",
    ),
}

AUTH_OPTION_KEYS = tuple(_DEFAULTS)
# The token kinds whose signing secret is per collection (never exported through the API).
TOKEN_KINDS = ("authToken", "passwordResetToken", "emailChangeToken", "verificationToken", "fileToken")


def default_auth_options() -> dict[str, Any]:
    return copy.deepcopy(_DEFAULTS)


def merge_auth_options(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Apply a client's partial auth options onto the current ones (objects merge one level deep)."""
    out = copy.deepcopy(current)
    for key in AUTH_OPTION_KEYS:
        if key not in patch:
            continue
        value = patch[key]
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            merged = dict(out[key])
            for k, v in value.items():
                if k == "secret":
                    continue  # secrets are never set through the API
                merged[k] = v
            out[key] = merged
        else:
            out[key] = value
    return out
