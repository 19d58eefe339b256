"""PocketBase's checks of an auth collection's options, in its order (PocketBase 0.40.6, checked
with the binary):

1. every option on its own, all errors together: `authRule` and `manageRule` (valid rules; a
   `manageRule` of "" is refused, null is not), the mail templates (subject and body required,
   whether or not their feature is on), `passwordAuth.identityFields` (required while password
   sign-in is on), the OAuth2 providers (while OAuth2 is on), `otp` (duration and length, while
   on), `mfa.duration` (while on), and every token kind (secret: 30 to 255 characters; duration);
2. only when step 1 found nothing, and MFA is on: at least two of password, OAuth2 and OTP on,
   then `mfa.rule` a valid rule: the first failure alone;
3. only when steps 1 and 2 found nothing, and password sign-in is on: each identity field exists
   and is unique on its own.

Their errors join the collection's other ones (name, fields, rules, indexes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from bastion.core.auth_options import TEMPLATE_KEYS, TOKEN_KINDS
from bastion.core.collection_indexes import identity_fields_error
from bastion.core.collection_model import Collection
from bastion.errors import field_error

# The message of an invalid rule (as "Raw error: …" shows it), or None for a valid one.
RuleCheck = Callable[[str], "str | None"]

# tools/auth of PocketBase 0.40.6: the names a provider entry may have.
PROVIDER_NAMES = frozenset(
    {
        "apple", "bitbucket", "box", "discord", "facebook", "gitea", "gitee", "github", "gitlab",
        "google", "instagram2", "kakao", "lark", "linear", "livechat", "mailcow", "microsoft",
        "monday", "notion", "oidc", "oidc2", "oidc3", "patreon", "planningcenter", "spotify",
        "strava", "trakt", "twitch", "twitter", "vk", "wakatime", "yandex",
    }
)  # fmt: skip
_PROVIDER_URLS = ("authURL", "tokenURL", "userInfoURL")
# (minimum, maximum) of the durations in seconds, and of the OTP length
_TOKEN_DURATION = (10, 94670856)  # ~3 years
_SHORT_DURATION = (10, 86400)  # OTP and MFA: a day at most
_OTP_LENGTH = (4, None)
_REQUIRED = ("validation_required", "Cannot be blank.")


def sentence(text: str) -> str:
    """PocketBase's error messages as its API shows them: a capital first, a final full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".?!" else text + "."


def invalid_rule_error(message: str) -> dict[str, Any]:
    return field_error("validation_invalid_rule", sentence(f"Invalid rule. Raw error: {message}"))


def system_rule_change_error(
    original: Collection | None, old: str | None, new: str | None
) -> dict[str, Any] | None:
    """PocketBase's refusal to change a rule of a system collection (null and "" differ)."""
    if original is None or not original.system or old == new:
        return None
    return field_error(
        "validation_collection_system_rule_change", "System collection API rule cannot be changed."
    )


def auth_options_errors(
    collection: Collection, original: Collection | None, check_rule: RuleCheck
) -> dict[str, Any]:
    """The errors of `collection`'s auth options, keyed as PocketBase keys them (see the module);
    `original` is the collection before the change (None for a new one)."""
    options = collection.options
    errors = _option_errors(options, original, check_rule)
    if errors:
        return errors
    mfa = _section(options, "mfa")
    if mfa.get("enabled"):
        enabled = sum(bool(_section(options, k).get("enabled")) for k in ("passwordAuth", "oauth2", "otp"))
        if enabled < 2:
            error = field_error(
                "validation_mfa_not_enough_auths", "MFA requires at least 2 auth methods to be enabled."
            )
            return {"mfa": {"enabled": error}}
        rule = str(mfa.get("rule") or "")
        message = check_rule(rule) if rule else None
        if message:
            return {"mfa": {"rule": invalid_rule_error(message)}}
        old = str(_section(original.options, "mfa").get("rule") or "") if original else ""
        changed = system_rule_change_error(original, old, rule) if rule else None
        if changed:
            return {"mfa": {"rule": changed}}
    identity_error = identity_fields_error(collection)
    if identity_error:
        return {"passwordAuth": {"identityFields": identity_error}}
    return {}


def unset_missing_mapped_fields(collection: Collection) -> None:
    """As PocketBase before each save: an OAuth2 mapped field naming no field of the collection is
    emptied (no error)."""
    oauth2 = collection.options.get("oauth2")
    mapped = oauth2.get("mappedFields") if isinstance(oauth2, dict) else None
    if not isinstance(mapped, dict):
        return
    for key, name in mapped.items():
        if name and (not isinstance(name, str) or collection.get_field(name) is None):
            mapped[key] = ""


def _section(options: dict[str, Any], key: str) -> dict[str, Any]:
    value = options.get(key)
    return value if isinstance(value, dict) else {}


def _option_errors(
    options: dict[str, Any], original: Collection | None, check_rule: RuleCheck
) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for key in ("authRule", "manageRule"):
        rule = options.get(key)
        message = check_rule(str(rule)) if rule else None
        if key == "manageRule" and rule == "":
            errors[key] = field_error("validation_nil_or_not_empty_required", "Cannot be blank.")
        elif message:
            errors[key] = invalid_rule_error(message)
        else:
            old = original.options.get(key) if original else None
            error = system_rule_change_error(original, old, rule)
            if error:
                errors[key] = error
    alert = _section(options, "authAlert")
    _put(errors, "authAlert", {"emailTemplate": _template_errors(alert.get("emailTemplate"))})
    password_auth = _section(options, "passwordAuth")
    if password_auth.get("enabled") and not password_auth.get("identityFields"):
        errors["passwordAuth"] = {"identityFields": field_error(*_REQUIRED)}
    _put(errors, "oauth2", _oauth2_errors(_section(options, "oauth2")))
    otp = _section(options, "otp")
    otp_errors: dict[str, Any] = {"emailTemplate": _template_errors(otp.get("emailTemplate"))}
    if otp.get("enabled"):
        otp_errors["duration"] = _number_error(otp.get("duration"), *_SHORT_DURATION)
        otp_errors["length"] = _number_error(otp.get("length"), *_OTP_LENGTH)
    _put(errors, "otp", otp_errors)
    mfa = _section(options, "mfa")
    if mfa.get("enabled"):
        _put(errors, "mfa", {"duration": _number_error(mfa.get("duration"), *_SHORT_DURATION)})
    for kind in TOKEN_KINDS:
        token = _section(options, kind)
        token_errors = {
            "secret": _secret_error(str(token.get("secret") or "")),
            "duration": _number_error(token.get("duration"), *_TOKEN_DURATION),
        }
        _put(errors, kind, token_errors)
    for key in TEMPLATE_KEYS:
        _put(errors, key, _template_errors(options.get(key)))
    return errors


def _put(errors: dict[str, Any], key: str, found: dict[str, Any]) -> None:
    """Add `found` under `key` without its empty entries (at any depth), if anything is left."""
    kept = _pruned(found)
    if kept:
        errors[key] = kept


def _pruned(found: dict[str, Any]) -> dict[str, Any]:
    if "code" in found:
        return found  # one error
    kept = {k: _pruned(v) if isinstance(v, dict) else v for k, v in found.items()}
    return {k: v for k, v in kept.items() if v}


def _template_errors(template: Any) -> dict[str, Any]:
    template = template if isinstance(template, dict) else {}
    return {k: None if template.get(k) else field_error(*_REQUIRED) for k in ("subject", "body")}


def _secret_error(secret: str) -> dict[str, Any] | None:
    if not secret:
        return field_error(*_REQUIRED)
    if not 30 <= len(secret) <= 255:
        return field_error(
            "validation_length_out_of_range",
            "The length must be between 30 and 255.",
            {"max": 255, "min": 30},
        )
    return None


def _number_error(value: Any, minimum: int, maximum: int | None) -> dict[str, Any] | None:
    """ozzo-validation's Required, Min and Max, the first that fails."""
    number = value if isinstance(value, int) else 0
    if not number:
        return field_error(*_REQUIRED)
    if number < minimum:
        return field_error(
            "validation_min_greater_equal_than_required",
            f"Must be no less than {minimum}.",
            {"threshold": minimum},
        )
    if maximum is not None and number > maximum:
        return field_error(
            "validation_max_less_equal_than_required",
            f"Must be no greater than {maximum}.",
            {"threshold": maximum},
        )
    return None


def _oauth2_errors(oauth2: dict[str, Any]) -> dict[str, Any]:
    """The providers' checks, made only while OAuth2 is enabled: no duplicate names (reported
    alone), then each provider's name (required, a known provider), clientId and clientSecret
    (required) and its URLs (valid when set)."""
    if not oauth2.get("enabled"):
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
            return {"providers": {str(i): {"name": error}}}
        seen.add(name)
    found: dict[str, Any] = {}
    for i, p in enumerate(providers):
        errors: dict[str, Any] = {}
        for key in ("name", "clientId", "clientSecret"):
            if not p.get(key):
                errors[key] = field_error(*_REQUIRED)
        name = str(p.get("name") or "")
        if name and name not in PROVIDER_NAMES:
            errors["name"] = field_error(
                "validation_missing_provider",
                f"Invalid or missing provider with name {name}.",
                {"name": name},
            )
        for key in _PROVIDER_URLS:
            if p.get(key) and not _is_url(str(p[key])):
                errors[key] = field_error("validation_is_url", "Must be a valid URL.")
        if errors:
            found[str(i)] = dict(sorted(errors.items()))
    return {"providers": found} if found else {}


def _is_url(value: str) -> bool:
    try:
        parsed = urlparse(value)
    except ValueError:
        return False
    return bool(parsed.scheme and parsed.netloc)
