"""The application settings document, as PocketBase 0.40.6 stores, validates and returns it.

The document is a plain JSON-ready dict (what `_params.settings` holds). This module:

    default_settings()            a fresh document with PocketBase's defaults
    merge_update(current, patch)  apply a PATCH body the way PocketBase binds it (see below)
    validate_settings(doc)        nested field errors, {} when valid
    masked(doc)                   the response form: secrets left out
    Settings.from_dict(doc)       a typed, read-only view (settings.batch.max_requests ...)

PATCH binding (checked on the binary): objects merge into the current values, key names match
ignoring case, "_" and "-", unknown keys are ignored, `null` resets a value to its zero value
("", 0, false, [] or an all-zero section), arrays are replaced whole with fresh elements, and
any type mismatch (a string for a number, 25.0 for an integer ...) or two keys naming the same
field is a 400 "An error occurred while loading the submitted data.".

Secrets (smtp.password, s3.secret, backups.s3.secret) are never returned. A client that sends
the GET body back leaves them unchanged because the keys are absent; sending one explicitly as
"" or null clears it, as PocketBase does.

Validation follows PocketBase's rules field by field (first failing rule wins per field); the
string checks it borrows from Go libraries (URL, e-mail, host, IP, cron) are ported below.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from dataclasses import dataclass, fields
from typing import Any

from bastion.errors import BadRequestError, InternalError

__all__ = [
    "SCHEMA",
    "RateLimitRule",
    "Settings",
    "default_settings",
    "masked",
    "merge_update",
    "validate_settings",
]

LOAD_ERROR = "An error occurred while loading the submitted data."
SAVE_ERROR = "An error occurred while saving the new settings."
MAX_SAFE_JSON_INT = 2**53 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

# ---------------------------------------------------------------------------------------------
# shape: field -> "str" | "bool" | "int" | "strlist" | ("list", element shape) | nested shape.
# Key order is PocketBase's JSON order.

_S3: dict[str, Any] = {
    "enabled": "bool",
    "bucket": "str",
    "region": "str",
    "endpoint": "str",
    "accessKey": "str",
    "secret": "str",
    "forcePathStyle": "bool",
}
_RULE: dict[str, Any] = {"label": "str", "audience": "str", "duration": "int", "maxRequests": "int"}

SCHEMA: dict[str, Any] = {
    "superuserIPs": "strlist",
    "smtp": {
        "enabled": "bool",
        "port": "int",
        "host": "str",
        "username": "str",
        "password": "str",
        "authMethod": "str",
        "tls": "bool",
        "localName": "str",
    },
    "backups": {"cron": "str", "cronMaxKeep": "int", "s3": _S3},
    "s3": _S3,
    "meta": {
        "accentColor": "str",
        "appName": "str",
        "appURL": "str",
        "senderName": "str",
        "senderAddress": "str",
        "hideControls": "bool",
    },
    "rateLimits": {"rules": ("list", _RULE), "excludedIPs": "strlist", "enabled": "bool"},
    "trustedProxy": {"headers": "strlist", "useLeftmostIP": "bool"},
    "batch": {"enabled": "bool", "maxRequests": "int", "timeout": "int", "maxBodySize": "int"},
    "logs": {"maxDataSize": "int", "maxDays": "int", "minLevel": "int", "logIP": "bool", "logAuthId": "bool"},
}

_DEFAULTS: dict[str, Any] = {
    "smtp": {"port": 587, "host": "smtp.example.com"},
    "backups": {"cronMaxKeep": 3},
    "meta": {
        "accentColor": "#1055c9",
        "appName": "Acme",
        "appURL": "http://localhost:8090",
        "senderName": "Support",
        "senderAddress": "support@example.com",
    },
    "rateLimits": {
        "rules": [
            {"label": "*:auth", "audience": "", "duration": 3, "maxRequests": 2},
            {"label": "*:create", "audience": "", "duration": 5, "maxRequests": 20},
            {"label": "/api/batch", "audience": "", "duration": 1, "maxRequests": 3},
            {"label": "/api/", "audience": "", "duration": 10, "maxRequests": 300},
        ]
    },
    "batch": {"maxRequests": 50, "timeout": 3},
    "logs": {"maxDays": 5, "logIP": True},
}

_SECRETS = (("smtp", "password"), ("s3", "secret"), ("backups", "s3", "secret"))


def _zero(shape: Any) -> Any:
    if isinstance(shape, dict):
        return {k: _zero(v) for k, v in shape.items()}
    return {"str": "", "bool": False, "int": 0}.get(shape, []) if isinstance(shape, str) else []


def default_settings() -> dict[str, Any]:
    """A fresh settings document with PocketBase's defaults (secrets empty)."""
    doc = _zero(SCHEMA)
    for section, values in _DEFAULTS.items():
        doc[section].update(copy.deepcopy(values))
    return doc


def masked(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as GET /api/settings returns it: the secret keys are left out entirely."""
    out = copy.deepcopy(doc)
    for path in _SECRETS:
        parent = out
        for key in path[:-1]:
            parent = parent.get(key, {})
        parent.pop(path[-1], None)
    return out


# ---------------------------------------------------------------------------------------------
# merge (PATCH binding)


def _fold(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _bind(shape: Any, current: Any, value: Any) -> Any:
    if value is None:
        return _zero(shape)
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            raise BadRequestError(LOAD_ERROR)
        out = copy.deepcopy(current) if isinstance(current, dict) else _zero(shape)
        names = {_fold(k): k for k in shape}
        seen: set[str] = set()
        for key, item in value.items():
            field = names.get(_fold(key))
            if field is None:
                continue  # unknown keys are ignored
            if field in seen:
                raise BadRequestError(LOAD_ERROR)
            seen.add(field)
            out[field] = _bind(shape[field], out.get(field), item)
        return out
    if isinstance(shape, tuple):  # list of objects: every element starts from zero
        if not isinstance(value, list):
            raise BadRequestError(LOAD_ERROR)
        return [_bind(shape[1], None, item) for item in value]
    if shape == "strlist":
        if not isinstance(value, list):
            raise BadRequestError(LOAD_ERROR)
        return [_bind("str", None, item) for item in value]
    if shape == "str" and isinstance(value, str):
        return value
    if shape == "bool" and isinstance(value, bool):
        return value
    if shape == "int" and isinstance(value, int) and not isinstance(value, bool):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise BadRequestError(LOAD_ERROR)
        return value
    raise BadRequestError(LOAD_ERROR)


def merge_update(current: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Apply a decoded PATCH body to `current` and return the new document (`current` is left
    untouched). Raises BadRequestError for a body PocketBase cannot bind; a JSON `null` body is
    a 500 in PocketBase, so it is an InternalError here."""
    if patch is None:
        raise InternalError()
    return _bind(SCHEMA, current, patch)


# ---------------------------------------------------------------------------------------------
# validation (ozzo-validation rules as PocketBase declares them; messages already sentenized)


def _err(code: str, message: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **({"params": params} if params else {})}


_REQUIRED = _err("validation_required", "Cannot be blank.")


def _required(v: Any) -> dict[str, Any] | None:
    return _REQUIRED if v in ("", 0, None) or v == [] else None


def _min(n: int) -> Any:
    return lambda v: (
        _err("validation_min_greater_equal_than_required", f"Must be no less than {n}.", threshold=n)
        if v and v < n
        else None
    )


def _max(n: int) -> Any:
    return lambda v: (
        _err("validation_max_less_equal_than_required", f"Must be no greater than {n}.", threshold=n)
        if v and v > n
        else None
    )


def _length(lo: int, hi: int) -> Any:
    if lo == hi:
        e = _err("validation_length_invalid", f"The length must be exactly {lo}.", max=hi, min=lo)
    else:
        e = _err(
            "validation_length_out_of_range", f"The length must be between {lo} and {hi}.", max=hi, min=lo
        )
    return lambda v: e if v and not lo <= len(v) <= hi else None


def _check(test: Any, code: str, message: str) -> Any:
    """A string rule: empty values pass, as with every ozzo rule but Required."""
    e = _err(code, message)
    return lambda v: e if v and not test(v) else None


def _one_of(*allowed: str) -> Any:
    return _check(lambda v: v in allowed, "validation_in_invalid", "Must be a valid value.")


def _when(cond: bool, rule: Any) -> Any:
    return rule if cond else (lambda v: None)


def _fields(section: dict[str, Any], rules: dict[str, list[Any]]) -> dict[str, Any]:
    """ValidateStruct: per field, the first failing rule's error."""
    errors: dict[str, Any] = {}
    for name, checks in rules.items():
        for check in checks:
            e = check(section[name])
            if e:
                errors[name] = e
                break
    return errors


def _each(values: list[str], *rules: Any) -> dict[str, Any]:
    out = {}
    for i, v in enumerate(values):
        for rule in rules:
            e = rule(v)
            if e:
                out[str(i)] = e
                break
    return out


_HEX_COLOR = re.compile(r"#?(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z")
_RULE_LABEL = re.compile(r"(?:\w+ /[\w/-]*|/[\w/-]*|\w+:\w+|\*:\w+|\w+)\Z", re.ASCII)
_AUDIENCES = ("", "@guest", "@auth")


def _s3_errors(s3: dict[str, Any]) -> dict[str, Any]:
    on = s3["enabled"]
    return _fields(
        s3,
        {
            "endpoint": [_check(is_url, "validation_is_url", "Must be a valid URL."), _when(on, _required)],
            "bucket": [_when(on, _required)],
            "region": [_when(on, _required)],
            "accessKey": [_when(on, _required)],
            "secret": [_when(on, _required)],
        },
    )


def _rules_errors(limits: dict[str, Any]) -> dict[str, Any] | None:
    # each rule is validated first; the list-level checks run only when every rule is valid
    per_rule: dict[str, Any] = {}
    for i, rule in enumerate(limits["rules"]):
        e = _fields(
            rule,
            {
                "label": [
                    _required,
                    _check(_RULE_LABEL.match, "validation_match_invalid", "Must be in a valid format."),
                ],
                "maxRequests": [_required, _min(1)],
                "duration": [_required, _min(1)],
                "audience": [_one_of(*_AUDIENCES)],
            },
        )
        if e:
            per_rule[str(i)] = e
    if per_rule:
        return per_rule
    if limits["enabled"] and not limits["rules"]:
        return _REQUIRED
    seen: list[str] = []
    for i, rule in enumerate(limits["rules"]):
        key = rule["label"] + "@@" + rule["audience"]
        if any(key.startswith(k) or k.startswith(key) for k in seen):
            message = f"Rate limit rule configuration with label {rule['label']} already exists or conflicts with another rule."
            return {
                str(i): {
                    "label": _err("validation_conflicting_rate_limit_rule", message, label=rule["label"])
                }
            }
        seen.append(key)
    return None


def validate_settings(doc: dict[str, Any]) -> dict[str, Any]:
    """PocketBase-shaped nested field errors for a full settings document; {} when valid."""
    errors: dict[str, Any] = {}
    ip_rules = (
        _required,
        _check(is_ip_or_subnet, "validation_invlaid_ip_or_subnet", "Invalid IP or CIDR subnet."),
    )

    if e := _each(doc["superuserIPs"], *ip_rules):
        errors["superuserIPs"] = e

    meta = doc["meta"]
    url_rule = _check(is_url, "validation_is_url", "Must be a valid URL.")
    sections: dict[str, dict[str, Any]] = {
        "meta": _fields(
            meta,
            {
                "accentColor": [
                    _length(7, 7),
                    _check(
                        _HEX_COLOR.match, "validation_is_hex_color", "Must be a valid hexadecimal color code."
                    ),
                ],
                "appName": [_required, _length(1, 255)],
                "appURL": [_required, url_rule],
                "senderName": [_required, _length(1, 255)],
                "senderAddress": [
                    _check(is_email, "validation_is_email", "Must be a valid email address."),
                    _required,
                ],
            },
        ),
        "logs": _fields(
            doc["logs"],
            {
                "maxDataSize": [_min(0), _max(MAX_SAFE_JSON_INT)],
                "maxDays": [_min(0), _max(MAX_SAFE_JSON_INT)],
                "minLevel": [_max(MAX_SAFE_JSON_INT)],
            },
        ),
    }

    smtp = doc["smtp"]
    host_rule = _check(is_host, "validation_is_host", "Must be a valid IP address or DNS name.")
    sections["smtp"] = _fields(
        smtp,
        {
            "host": [_when(smtp["enabled"], _required), host_rule],
            "port": [_when(smtp["enabled"], _required), _min(0)],
            "authMethod": [_one_of("LOGIN", "PLAIN")],
            "localName": [host_rule],
        },
    )
    sections["s3"] = _s3_errors(doc["s3"])

    backups = doc["backups"]
    backup_errors = {}
    if e := _s3_errors(backups["s3"]):
        backup_errors["s3"] = e
    if backups["cron"] and (message := cron_error(backups["cron"])):
        backup_errors["cron"] = _err("validation_invalid_cron", message)
    if e := _fields(backups, {"cronMaxKeep": [_when(backups["cron"] != "", _required), _min(1)]}):
        backup_errors.update(e)
    sections["backups"] = backup_errors

    batch = doc["batch"]
    on = batch["enabled"]
    sections["batch"] = _fields(
        batch,
        {
            "maxRequests": [_when(on, _required), _min(0)],
            "timeout": [_when(on, _required), _min(0)],
            "maxBodySize": [_min(0)],
        },
    )

    limits = doc["rateLimits"]
    limit_errors = {}
    if e := _rules_errors(limits):
        limit_errors["rules"] = e
    if e := _each(limits["excludedIPs"], *ip_rules):
        limit_errors["excludedIPs"] = e
    sections["rateLimits"] = limit_errors

    errors.update({name: e for name, e in sections.items() if e})
    return _sorted(errors)


def _sorted(value: Any) -> Any:
    # Go encodes error maps with sorted keys; keep the same order
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    return value


# ---------------------------------------------------------------------------------------------
# string checks ported from the Go libraries PocketBase uses (govalidator, net/netip, its cron)

_U = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"  # the Unicode ranges govalidator's e-mail allows
_EMAIL_LOCAL = rf"[a-zA-Z0-9!#$%&'*+\-/=?^_`{{|}}~{_U}]+(?:\.[a-zA-Z0-9!#$%&'*+\-/=?^_`{{|}}~{_U}]+)*"
_EMAIL_QUOTED = (
    rf'"(?:[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\x21\x23-\x5b\x5d-\x7e{_U}\x20\x09]|\\[\x01-\x7f{_U}])*"'
)
_EMAIL_LABEL = rf"[a-zA-Z0-9{_U}]"
_EMAIL_TLD = rf"[a-zA-Z{_U}](?:[a-zA-Z0-9\-_~{_U}]*[a-zA-Z{_U}])?"
# written without nested quantifiers over the same characters so a failing match stays cheap
_EMAIL = re.compile(
    rf"(?:{_EMAIL_LOCAL}|{_EMAIL_QUOTED})@{_EMAIL_LABEL}(?:[a-zA-Z0-9\-._~{_U}]*{_EMAIL_LABEL})?\.{_EMAIL_TLD}\.?\Z"
)

_URL_IP = (
    r"(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3]|24\d|25[0-5])(?:\.(?:\d{1,2}|1\d\d|2[0-4]\d|25[0-5])){2}"
    r"(?:\.(?:[0-9]\d?|1\d\d|2[0-4]\d|25[0-5]))"
)
_V4 = r"(?:(?:25[0-5]|(?:2[0-4]|1?[0-9])?[0-9])\.){3}(?:25[0-5]|(?:2[0-4]|1?[0-9])?[0-9])"
_H = "[0-9a-fA-F]{1,4}"
_URL_IPV6 = (
    rf"(?:(?:{_H}:){{7}}{_H}|(?:{_H}:){{1,7}}:|(?:{_H}:){{1,6}}:{_H}|(?:{_H}:){{1,5}}(?::{_H}){{1,2}}"
    rf"|(?:{_H}:){{1,4}}(?::{_H}){{1,3}}|(?:{_H}:){{1,3}}(?::{_H}){{1,4}}|(?:{_H}:){{1,2}}(?::{_H}){{1,5}}"
    rf"|{_H}:(?::{_H}){{1,6}}|:(?:(?::{_H}){{1,7}}|:)|fe80:(?::[0-9a-fA-F]{{0,4}}){{0,4}}%[0-9a-zA-Z]+"
    rf"|::(?:ffff(?::0{{1,4}})?:)?{_V4}|(?:{_H}:){{1,4}}:{_V4})"
)
_A = "a-zA-Z0-9"
_X = "a-zA-Z\u00a1-\uffff0-9"
# govalidator's URL pattern, regrouped without nested quantifiers over the same characters
_URL = re.compile(
    r"(?:(?:ftp|tcp|udp|wss?|https?)://)?"
    r"(?:\S+(?::\S*)?@)?"
    rf"(?:{_URL_IP}|\[{_URL_IPV6}\]"
    rf"|(?:[{_A}](?:[{_A}\-_]+)?[{_A}](?:[-.][{_A}]+)*|www\.|[{_A}](?:[-_.]?[{_A}])*[{_A}]\.[{_A}]+)?"
    rf"[{_X}]+(?:-{{1,2}}[{_X}]+)*(?:\.[a-zA-Z\u00a1-\uffff]+)?)"
    r"\.?(?::\d{1,5})?(?:[/?#]\S*)?\Z"
)
_DNS_NAME = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62}(?:\.[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})*[._]?\Z")
_HOST_OK = re.compile(r"[a-zA-Z0-9!$&'()*+,;=:\[\]<>\"\-._~%\u0080-\U0010ffff]*\Z")
_BAD_ESCAPE = re.compile(r"%(?![0-9a-fA-F]{2})")


def _go_url_parses(raw: str) -> tuple[str, str] | None:
    """Enough of Go's url.Parse to reject what it rejects; returns (host, path) or None."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw) or _BAD_ESCAPE.search(raw.split("#", 1)[0]):
        return None
    rest = raw.split("#", 1)[0].split("?", 1)[0]
    m = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", rest)
    if m:
        rest = rest[m.end() :]
    elif rest.startswith(":") or (":" in rest.split("/", 1)[0]):
        return None  # "missing protocol scheme" / "first path segment cannot contain colon"
    if not rest.startswith("//"):
        return "", rest
    authority, slash, path = rest[2:].partition("/")
    host = authority.rpartition("@")[2]
    if not _HOST_OK.match(host):
        return None
    port = host[host.rfind("]") + 1 :].rpartition(":")
    if port[1] and not port[2].isdigit() and port[2] != "":
        return None
    return host, slash + path


def is_url(value: str) -> bool:
    """govalidator.IsURL (the version PocketBase pins)."""
    if len(value) >= 2083 or len(value.encode()) <= 3 or value.startswith("."):
        return False
    parsed = _go_url_parses("http://" + value if ":" in value and "://" not in value else value)
    if parsed is None:
        return False
    host, path = parsed
    if host.startswith(".") or (not host and path and "." not in path):
        return False
    return _URL.match(value) is not None


def is_email(value: str) -> bool:
    """govalidator.IsEmail: format only, no DNS lookup."""
    return _EMAIL.match(value) is not None


def _is_ip(value: str) -> bool:
    """Go's net.ParseIP: no zones, no leading zeros in IPv4 parts."""
    if "%" in value:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_host(value: str) -> bool:
    """govalidator.IsHost: an IP address or a DNS name."""
    if _is_ip(value):
        return True
    return len(value.replace(".", "")) <= 255 and _DNS_NAME.match(value) is not None


def is_ip_or_subnet(value: str) -> bool:
    """netip.ParsePrefix or netip.ParseAddr (which allows an IPv6 zone)."""
    if "/" in value:
        addr, _, bits = value.partition("/")
        if not bits.isascii() or not bits.isdigit() or (len(bits) > 1 and bits[0] == "0") or "%" in addr:
            return False
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return int(bits) <= ip.max_prefixlen
    addr, _, zone = value.partition("%")
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return not zone or (ip.version == 6 and bool(zone))


_CRON_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_GO_INT = re.compile(r"[+-]?[0-9]+\Z")


def _atoi(raw: str) -> int:
    if not _GO_INT.match(raw):
        raise ValueError(f'Strconv.Atoi: parsing "{raw}": invalid syntax.')
    value = int(raw)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise ValueError(f'Strconv.Atoi: parsing "{raw}": value out of range.')
    return value


def _cron_segment(segment: str, lo: int, hi: int) -> None:
    for part in segment.split(","):
        step_parts = part.split("/")
        if len(step_parts) > 2:
            raise ValueError("Invalid segment step format - must be in the format */n or 1-30/n.")
        step = 1
        if len(step_parts) == 2:
            step = _atoi(step_parts[1])
            if step < 1 or step > hi:
                raise ValueError(f"Invalid segment step boundary - the step must be between 1 and the {hi}.")
        if step_parts[0] == "*":
            continue
        range_parts = step_parts[0].split("-")
        if len(range_parts) == 1:
            if step != 1:
                raise ValueError(
                    "Invalid segment step - step > 1 could be used only with the wildcard or range format."
                )
            if not lo <= _atoi(range_parts[0]) <= hi:
                raise ValueError("Invalid segment value - must be between the min and max of the segment.")
        elif len(range_parts) == 2:
            start = _atoi(range_parts[0])
            if not lo <= start <= hi:
                raise ValueError(f"Invalid segment range minimum - must be between {lo} and {hi}.")
            end = _atoi(range_parts[1])
            if end < start or end > hi:
                raise ValueError(f"Invalid segment range maximum - must be between {start} and {hi}.")
        else:
            raise ValueError("Invalid segment range format - the range must have 1 or 2 parts.")


def cron_error(expr: str) -> str | None:
    """The (sentenized) message PocketBase's cron parser gives for `expr`, None when valid."""
    segments = _CRON_MACROS.get(expr, expr).split(" ")
    if len(segments) != 5:
        return (
            "Invalid cron expression - must be a valid macro or to have exactly 5 space separated segments."
        )
    try:
        for segment, (lo, hi) in zip(segments, ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6)), strict=True):
            _cron_segment(segment, lo, hi)
    except ValueError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------------------------------------
# typed, read-only view for the rest of the app

_KEY_OVERRIDES = {
    "app_url": "appURL",
    "log_ip": "logIP",
    "use_leftmost_ip": "useLeftmostIP",
    "superuser_ips": "superuserIPs",
    "excluded_ips": "excludedIPs",
}


def _camel(name: str) -> str:
    if name in _KEY_OVERRIDES:
        return _KEY_OVERRIDES[name]
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _build(cls: Any, data: dict[str, Any]) -> Any:
    values = {}
    for f in fields(cls):
        raw = data[_camel(f.name)]
        sub = _NESTED.get((cls.__name__, f.name))
        if sub is not None:
            values[f.name] = tuple(_build(sub, r) for r in raw) if isinstance(raw, list) else _build(sub, raw)
        else:
            values[f.name] = tuple(raw) if isinstance(raw, list) else raw
    return cls(**values)


@dataclass(frozen=True, slots=True)
class MetaSettings:
    accent_color: str
    app_name: str
    app_url: str
    sender_name: str
    sender_address: str
    hide_controls: bool


@dataclass(frozen=True, slots=True)
class LogsSettings:
    max_data_size: int  # 0: the ~16KB default
    max_days: int
    min_level: int
    log_ip: bool
    log_auth_id: bool


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    enabled: bool
    port: int
    host: str
    username: str
    password: str
    auth_method: str  # "" means PLAIN
    tls: bool
    local_name: str


@dataclass(frozen=True, slots=True)
class S3Settings:
    enabled: bool
    bucket: str
    region: str
    endpoint: str
    access_key: str
    secret: str
    force_path_style: bool


@dataclass(frozen=True, slots=True)
class BackupsSettings:
    cron: str
    cron_max_keep: int
    s3: S3Settings


@dataclass(frozen=True, slots=True)
class BatchSettings:
    enabled: bool
    max_requests: int
    timeout: int  # seconds
    max_body_size: int  # bytes; 0: the ~128MB default


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    label: str
    audience: str  # "", "@guest" or "@auth"
    duration: int  # seconds
    max_requests: int


@dataclass(frozen=True, slots=True)
class RateLimitsSettings:
    rules: tuple[RateLimitRule, ...]
    excluded_ips: tuple[str, ...]
    enabled: bool

    def find_rule(self, labels: list[str], audiences: tuple[str, ...] = ()) -> RateLimitRule | None:
        """The first rule for the labels, most specific first (PocketBase's FindRateLimitRule):
        an exact label match, else, for path labels, a rule whose label ending in "/" is a prefix.
        With audiences, only rules whose audience is one of them count."""
        prefix_rules: list[RateLimitRule] = []
        for i, label in enumerate(labels):
            for rule in self.rules:
                if label == rule.label and (not audiences or rule.audience in audiences):
                    return rule
                if i == 0 and rule.label.endswith("/"):
                    prefix_rules.append(rule)
            for rule in prefix_rules:
                if (label + "/").startswith(rule.label) and (not audiences or rule.audience in audiences):
                    return rule
        return None


@dataclass(frozen=True, slots=True)
class TrustedProxySettings:
    headers: tuple[str, ...]
    use_leftmost_ip: bool


@dataclass(frozen=True, slots=True)
class Settings:
    """Read-only typed view of a settings document: `Settings.from_dict(doc).batch.enabled`."""

    superuser_ips: tuple[str, ...]
    smtp: SmtpSettings
    backups: BackupsSettings
    s3: S3Settings
    meta: MetaSettings
    rate_limits: RateLimitsSettings
    trusted_proxy: TrustedProxySettings
    batch: BatchSettings
    logs: LogsSettings

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Settings:
        return _build(cls, doc)


_NESTED: dict[tuple[str, str], Any] = {
    ("Settings", "smtp"): SmtpSettings,
    ("Settings", "backups"): BackupsSettings,
    ("Settings", "s3"): S3Settings,
    ("Settings", "meta"): MetaSettings,
    ("Settings", "rate_limits"): RateLimitsSettings,
    ("Settings", "trusted_proxy"): TrustedProxySettings,
    ("Settings", "batch"): BatchSettings,
    ("Settings", "logs"): LogsSettings,
    ("BackupsSettings", "s3"): S3Settings,
    ("RateLimitsSettings", "rules"): RateLimitRule,
}
