"""Definition checks shared by all field types, with PocketBase's (ozzo-validation's) codes.

Each check returns an error entry `{code, message[, params]}` or None. Messages are already
rendered and sentenced ("Must be no less than 5."), exactly what PocketBase sends to a client.
"""

from __future__ import annotations

import re
from typing import Any

from bastion.core.fields.field_cast import go_fmt, go_num
from bastion.core.fields.field_regex import go_regex

MAX_SAFE_JSON_INT = (1 << 53) - 1
_NAME_RE = re.compile(r"^[0-9A-Za-z_]+$")  # Go's \w is ASCII-only
# Filter literals and the dynamic record keys a field may not shadow.
RESERVED_NAMES = ("null", "true", "false", "_rowid_", "collectionId", "collectionName", "expand")

Err = dict[str, Any]


def sentenize(text: str) -> str:
    """PocketBase's inflector.Sentenize: trimmed, first letter upper-cased, ends with a stop."""
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".?!" else text + "."


def render(template: str, params: dict[str, Any] | None) -> str:
    out = template
    for key, value in (params or {}).items():
        out = out.replace("{{." + key + "}}", go_fmt(value))
    return sentenize(out)


def error(code: str, template: str, params: dict[str, Any] | None = None) -> Err:
    entry: Err = {"code": code, "message": render(template, params)}
    if params:
        entry["params"] = {k: go_num(v) if isinstance(v, int | float) else v for k, v in params.items()}
    return entry


def required() -> Err:
    return error("validation_required", "cannot be blank")


def empty() -> Err:
    return error("validation_empty", "must be blank")


def min_rule(value: float | int, threshold: float | int) -> Err | None:
    """ozzo Min: zero values are skipped (they mean "not set")."""
    if value and value < threshold:
        return error(
            "validation_min_greater_equal_than_required",
            "must be no less than {{.threshold}}",
            {"threshold": threshold},
        )
    return None


def max_rule(value: float | int, threshold: float | int) -> Err | None:
    if value and value > threshold:
        return error(
            "validation_max_less_equal_than_required",
            "must be no greater than {{.threshold}}",
            {"threshold": threshold},
        )
    return None


def length_rule(value: str, low: int, high: int) -> Err | None:
    """ozzo Length (counts characters); empty strings are skipped."""
    if value and not low <= len(value) <= high:
        return error(
            "validation_length_out_of_range",
            "the length must be between {{.min}} and {{.max}}",
            {"min": low, "max": high},
        )
    return None


def first(*checks: Err | None) -> Err | None:
    """ozzo stops at the first failing rule of a field."""
    for check in checks:
        if check is not None:
            return check
    return None


def id_error(value: str) -> Err | None:
    if not value:
        return required()
    return length_rule(value, 1, 100)


def name_error(value: str) -> Err | None:
    if not value:
        return required()
    return first(
        length_rule(value, 1, 100),
        None if _NAME_RE.match(value) else error("validation_match_invalid", "must be in a valid format"),
        error("validation_not_in_invalid", "must not be in list") if value in RESERVED_NAMES else None,
        error("validation_found_via", 'The value cannot contain "_via_".')
        if "_via_" in value.lower()
        else None,
    )


def help_error(value: str) -> Err | None:
    return length_rule(value, 1, 300)


def regex_error(pattern: str) -> Err | None:
    """validators.IsRegex, on Go's syntax as translated by field_regex."""
    if not pattern:
        return None
    try:
        go_regex(pattern)
    except re.error as exc:
        return error("validation_invalid_regex", f"error parsing regexp: {exc}")
    return None


def collect(**checks: Err | None) -> dict[str, Err]:
    """{option: error} for the failing options only, as ozzo's ValidateStruct reports them."""
    return {key: err for key, err in checks.items() if err is not None}
