"""Default options of auth collections (PocketBase 0.23+ shape), with Bastion's own mail texts,
and the rules for their secrets.

Secrets never leave through the API: the token kinds' signing `secret`s and every OAuth2
provider's `clientSecret` are left out of the collection's JSON (`export_auth_options`), as
PocketBase leaves them out. A client that edits the collection and sends a provider back without
`clientSecret` keeps the stored one: a provider sent without the key takes the secret of the
stored provider of the same name (`merge_auth_options`), as PocketBase 0.40.6 does (checked with
the binary). Providers are stored and shown with PocketBase's full key set (`PROVIDER_DEFAULTS`).
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlparse

from bastion.errors import BadRequestError, field_error

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
# An OAuth2 provider entry, in PocketBase's key order; `clientSecret` is stored, never shown.
PROVIDER_DEFAULTS: dict[str, Any] = {
    "pkce": None,
    "name": "",
    "clientId": "",
    "clientSecret": "",
    "authURL": "",
    "tokenURL": "",
    "userInfoURL": "",
    "displayName": "",
    "extra": {},
}
_PROVIDER_URLS = ("authURL", "tokenURL", "userInfoURL")
LOAD_ERROR = "Failed to load the submitted data due to invalid formatting."
# The token kinds whose signing secret is per collection (never exported through the API).
TOKEN_KINDS = ("authToken", "passwordResetToken", "emailChangeToken", "verificationToken", "fileToken")


def default_auth_options() -> dict[str, Any]:
    return copy.deepcopy(_DEFAULTS)


def merge_auth_options(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Apply a client's partial auth options onto the current ones (objects merge one level deep).

    `oauth2.providers`, when sent, replaces the list; a provider sent without `clientSecret`
    keeps the stored secret of the provider of that name. Malformed providers are a 400."""
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
                if key == "oauth2" and k == "providers":
                    v = _merge_providers(out[key].get("providers"), v)
                merged[k] = v
            out[key] = merged
        else:
            out[key] = value
    return out


def _merge_providers(stored: Any, sent: Any) -> list[dict[str, Any]]:
    if sent is None:
        return []
    if not isinstance(sent, list) or not all(isinstance(p, dict) for p in sent):
        raise BadRequestError(LOAD_ERROR)
    secrets = {
        p.get("name"): p.get("clientSecret", "")
        for p in (stored if isinstance(stored, list) else [])
        if isinstance(p, dict)
    }
    out = []
    for raw in sent:
        provider = full_provider(raw)
        if "clientSecret" not in raw:
            provider["clientSecret"] = str(secrets.get(provider["name"]) or "")
        out.append(provider)
    return out


def full_provider(raw: dict[str, Any]) -> dict[str, Any]:
    """A provider entry with PocketBase's full key set; values of the wrong type are a 400 (as
    PocketBase refuses to bind them), null means the default."""
    provider = copy.deepcopy(PROVIDER_DEFAULTS)
    for key, default in PROVIDER_DEFAULTS.items():
        value = raw.get(key)
        if value is None:
            continue
        if key == "pkce":
            ok = isinstance(value, bool)
        elif key == "extra":
            ok = isinstance(value, dict)
        else:
            ok = isinstance(value, str)
        if not ok:
            raise BadRequestError(LOAD_ERROR)
        provider[key] = copy.deepcopy(value) if isinstance(default, dict) else value
    return provider


def export_auth_options(options: dict[str, Any]) -> dict[str, Any]:
    """The auth options as the API shows them: without token secrets or client secrets, and
    providers with PocketBase's full key set (`clientSecret` left out, as PocketBase's JSON
    omits an empty one)."""
    out: dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(value, dict) and "secret" in value:
            value = {k: v for k, v in value.items() if k != "secret"}
        if key == "oauth2" and isinstance(value, dict):
            providers = value.get("providers")
            shown = []
            for p in providers if isinstance(providers, list) else []:
                if isinstance(p, dict):
                    full = {**copy.deepcopy(PROVIDER_DEFAULTS), **p}
                    full.pop("clientSecret", None)
                    full["extra"] = full.get("extra") or {}
                    shown.append(full)
            value = {**value, "providers": shown}
        out[key] = value
    return out


def auth_options_errors(options: dict[str, Any]) -> dict[str, Any]:
    """PocketBase's checks of the OAuth2 providers, made only while OAuth2 is enabled: no
    duplicate names (reported alone, as PocketBase does), then each provider's name, clientId
    and clientSecret required and its URLs valid."""
    oauth2 = options.get("oauth2")
    if not isinstance(oauth2, dict) or not oauth2.get("enabled"):
        return {}
    providers = [p for p in oauth2.get("providers") or [] if isinstance(p, dict)]
    seen: set[str] = set()
    for i, p in enumerate(providers):
        name = str(p.get("name") or "")
        if name and name in seen:
            error = field_error(
                "validation_duplicated_provider",
                f"The provider {name} is already registered.",
                {"name": name},
            )
            return {"oauth2": {"providers": {str(i): {"name": error}}}}
        seen.add(name)
    found: dict[str, Any] = {}
    for i, p in enumerate(providers):
        errors: dict[str, Any] = {}
        for key in ("name", "clientId", "clientSecret"):
            if not p.get(key):
                errors[key] = field_error("validation_required", "Cannot be blank.")
        for key in _PROVIDER_URLS:
            if p.get(key) and not _is_url(str(p[key])):
                errors[key] = field_error("validation_is_url", "Must be a valid URL.")
        if errors:
            found[str(i)] = dict(sorted(errors.items()))
    return {"oauth2": {"providers": found}} if found else {}


def _is_url(value: str) -> bool:
    try:
        parsed = urlparse(value)
    except ValueError:
        return False
    return bool(parsed.scheme and parsed.netloc)
