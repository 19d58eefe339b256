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

from bastion.errors import BadRequestError

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
LOAD_ERROR = "Failed to load the submitted data due to invalid formatting."
# The token kinds whose signing secret is per collection (never exported through the API).
TOKEN_KINDS = ("authToken", "passwordResetToken", "emailChangeToken", "verificationToken", "fileToken")
# The mail templates of the collection itself (the OTP and alert ones sit inside `otp`, `authAlert`).
TEMPLATE_KEYS = ("verificationTemplate", "resetPasswordTemplate", "confirmEmailChangeTemplate")


def default_auth_options() -> dict[str, Any]:
    return copy.deepcopy(_DEFAULTS)


def merge_auth_options(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Apply a client's auth options onto the current ones, as PocketBase binds its JSON onto the
    collection's option structs: objects merge at every depth, a `null` resets a value to its zero
    (false, 0, "", [], an object of zeros), unknown keys are ignored and a value of the wrong type
    is a 400 (`LOAD_ERROR`).

    `oauth2.providers`, when sent, replaces the list; a provider sent without `clientSecret`
    keeps the stored secret of the provider of that name. A token kind's `secret` may be set (a
    new one signs out everyone holding a token of that kind, as PocketBase's "invalidate tokens"
    does); a token kind sent as `null` loses its secret, which the validation then reports."""
    out = copy.deepcopy(current)
    for key in AUTH_OPTION_KEYS:
        if key in patch:
            out[key] = _bind(_SCHEMA[key], out.get(key), patch[key])
    return out


# The types of PocketBase's auth option structs: a dict is a struct; the leaves are the JSON types.
_BOOL, _INT, _STR, _STR_LIST, _RULE, _PROVIDERS = ("bool", "int", "str", "str_list", "rule", "providers")
_TEMPLATE: dict[str, Any] = {"subject": _STR, "body": _STR}
_TOKEN: dict[str, Any] = {"secret": _STR, "duration": _INT}
_SCHEMA: dict[str, Any] = {
    "authRule": _RULE,
    "manageRule": _RULE,
    "authAlert": {"enabled": _BOOL, "emailTemplate": _TEMPLATE},
    "oauth2": {
        "providers": _PROVIDERS,
        "mappedFields": {"id": _STR, "name": _STR, "username": _STR, "avatarURL": _STR},
        "enabled": _BOOL,
    },
    "passwordAuth": {"enabled": _BOOL, "identityFields": _STR_LIST},
    "mfa": {"enabled": _BOOL, "duration": _INT, "rule": _STR},
    "otp": {"enabled": _BOOL, "duration": _INT, "length": _INT, "emailTemplate": _TEMPLATE},
    **dict.fromkeys(TOKEN_KINDS, _TOKEN),
    **dict.fromkeys(TEMPLATE_KEYS, _TEMPLATE),
}
_INT64 = 2**63


def _zero(kind: Any) -> Any:
    if isinstance(kind, dict):
        return {k: _zero(v) for k, v in kind.items()}
    return {_BOOL: False, _INT: 0, _STR_LIST: [], _RULE: None, _PROVIDERS: []}.get(kind, "")


def _bind(kind: Any, current: Any, value: Any) -> Any:
    if isinstance(kind, dict):
        if value is None:
            return _zero(kind)
        if not isinstance(value, dict):
            raise BadRequestError(LOAD_ERROR)
        out = dict(current) if isinstance(current, dict) else _zero(kind)
        for k, sub in kind.items():
            if k in value:
                out[k] = _bind(sub, out.get(k), value[k])
        return out
    if kind == _PROVIDERS:
        return _merge_providers(current, value)
    if value is None:
        return _zero(kind)
    ok = {
        _BOOL: isinstance(value, bool),
        _INT: isinstance(value, int) and not isinstance(value, bool) and -_INT64 <= value < _INT64,
        _STR_LIST: isinstance(value, list) and all(isinstance(v, str) for v in value),
    }.get(kind, isinstance(value, str))
    if not ok:
        raise BadRequestError(LOAD_ERROR)
    return list(value) if kind == _STR_LIST else value


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
