"""The application settings, declared once: one msgspec Struct per section of PocketBase's document.

Each field carries its JSON name (PocketBase's key, in PocketBase's order) and its default; each
section's `validate()` returns PocketBase's field errors for it ({} when valid), rule by rule as
PocketBase declares them (first failing rule per field). `Settings` is the whole document and the
App's typed view: `app.settings.smtp.host`, `app.settings.rate_limits.find_rule(...)`.

Instances are frozen: the App swaps a whole new `Settings` in on every change (settings_binding
builds it), so a reader holding one sees a consistent document.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec

from bastion.core import settings_checks as c
from bastion.core.cron_expr import cron_error
from bastion.core.text_formats import is_email, is_host, is_ip_or_subnet, is_url

__all__ = [
    "BackupsSettings",
    "BatchSettings",
    "LogsSettings",
    "MetaSettings",
    "RateLimitRule",
    "RateLimitsSettings",
    "S3Settings",
    "Settings",
    "SmtpSettings",
    "TrustedProxySettings",
]

# Go's int: a value outside int64 fails to bind, like a value of the wrong type
Int = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
MAX_SAFE_JSON_INT = 2**53 - 1

_URL = c.check(is_url, "validation_is_url", "Must be a valid URL.")
_EMAIL = c.check(is_email, "validation_is_email", "Must be a valid email address.")
_HOST = c.check(is_host, "validation_is_host", "Must be a valid IP address or DNS name.")
_IP = c.check(is_ip_or_subnet, "validation_invlaid_ip_or_subnet", "Invalid IP or CIDR subnet.")
_HEX_COLOR = c.check(
    re.compile(r"#?(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z").match,
    "validation_is_hex_color",
    "Must be a valid hexadecimal color code.",
)
# `tag`, `collection:tag`, `*:tag`, `/path` or `METHOD /path`
_RULE_LABEL = c.check(
    re.compile(r"(?:\w+ /[\w/-]*|/[\w/-]*|\w+:\w+|\*:\w+|\w+)\Z", re.ASCII).match,
    "validation_match_invalid",
    "Must be in a valid format.",
)


# Subclasses inherit msgspec's struct options; each repeats frozen=True because type checkers
# read dataclass-like options per class (PEP 681) and would take the subclass as mutable.
class _Section(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    def named(self) -> dict[str, Any]:
        """Field values by JSON name, the names PocketBase's errors use."""
        cls = type(self)
        return {
            json_name: getattr(self, name)
            for name, json_name in zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True)
        }


class SmtpSettings(_Section, frozen=True):
    enabled: bool = False
    port: Int = 587
    host: str = "smtp.example.com"
    username: str = ""
    password: str = ""  # never returned by the API
    auth_method: str = ""  # "" means PLAIN
    tls: bool = False
    local_name: str = ""

    def validate(self) -> dict[str, Any]:
        return c.fields(
            self.named(),
            {
                "host": [c.when(self.enabled, c.required), _HOST],
                "port": [c.when(self.enabled, c.required), c.minimum(0)],
                "authMethod": [c.one_of("LOGIN", "PLAIN")],
                "localName": [_HOST],
            },
        )


class S3Settings(_Section, frozen=True):
    enabled: bool = False
    bucket: str = ""
    region: str = ""
    endpoint: str = ""
    access_key: str = ""
    secret: str = ""  # never returned by the API
    force_path_style: bool = False

    def validate(self) -> dict[str, Any]:
        on = c.when(self.enabled, c.required)
        return c.fields(
            self.named(),
            {"endpoint": [_URL, on], "bucket": [on], "region": [on], "accessKey": [on], "secret": [on]},
        )


class BackupsSettings(_Section, frozen=True):
    cron: str = ""
    cron_max_keep: Int = 3
    s3: S3Settings = msgspec.field(default_factory=S3Settings)

    def validate(self) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        if e := self.s3.validate():
            errors["s3"] = e
        if self.cron and (message := cron_error(self.cron)):
            errors["cron"] = c.err("validation_invalid_cron", message)
        errors.update(
            c.fields(self.named(), {"cronMaxKeep": [c.when(self.cron != "", c.required), c.minimum(1)]})
        )
        return errors


class MetaSettings(_Section, frozen=True):
    accent_color: str = "#1055c9"
    app_name: str = "Acme"
    app_url: str = msgspec.field(default="http://localhost:8090", name="appURL")
    sender_name: str = "Support"
    sender_address: str = "support@example.com"
    hide_controls: bool = False

    def validate(self) -> dict[str, Any]:
        return c.fields(
            self.named(),
            {
                "accentColor": [c.length(7, 7), _HEX_COLOR],
                "appName": [c.required, c.length(1, 255)],
                "appURL": [c.required, _URL],
                "senderName": [c.required, c.length(1, 255)],
                "senderAddress": [_EMAIL, c.required],
            },
        )


class RateLimitRule(_Section, frozen=True):
    label: str = ""
    audience: str = ""  # "", "@guest" or "@auth"
    duration: Int = 0  # seconds
    max_requests: Int = 0

    def validate(self) -> dict[str, Any]:
        return c.fields(
            self.named(),
            {
                "label": [c.required, _RULE_LABEL],
                "maxRequests": [c.required, c.minimum(1)],
                "duration": [c.required, c.minimum(1)],
                "audience": [c.one_of("", "@guest", "@auth")],
            },
        )


_DEFAULT_RULES = (
    RateLimitRule(label="*:auth", duration=3, max_requests=2),
    RateLimitRule(label="*:create", duration=5, max_requests=20),
    RateLimitRule(label="/api/batch", duration=1, max_requests=3),
    RateLimitRule(label="/api/", duration=10, max_requests=300),
)


class RateLimitsSettings(_Section, frozen=True):
    rules: tuple[RateLimitRule, ...] = _DEFAULT_RULES
    excluded_ips: tuple[str, ...] = msgspec.field(default=(), name="excludedIPs")
    enabled: bool = False

    def validate(self) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        if e := self._rules_errors():
            errors["rules"] = e
        if e := c.each(self.excluded_ips, c.required, _IP):
            errors["excludedIPs"] = e
        return errors

    def _rules_errors(self) -> dict[str, Any] | None:
        # each rule is validated first; the list-level checks run only when every rule is valid
        per_rule = {str(i): e for i, rule in enumerate(self.rules) if (e := rule.validate())}
        if per_rule:
            return per_rule
        if self.enabled and not self.rules:
            return c.REQUIRED
        seen: list[str] = []
        for i, rule in enumerate(self.rules):
            key = rule.label + "@@" + rule.audience
            if any(key.startswith(k) or k.startswith(key) for k in seen):
                message = (
                    f"Rate limit rule configuration with label {rule.label} already exists "
                    "or conflicts with another rule."
                )
                e = c.err("validation_conflicting_rate_limit_rule", message, label=rule.label)
                return {str(i): {"label": e}}
            seen.append(key)
        return None

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


class TrustedProxySettings(_Section, frozen=True):
    headers: tuple[str, ...] = ()
    use_leftmost_ip: bool = msgspec.field(default=False, name="useLeftmostIP")


class BatchSettings(_Section, frozen=True):
    enabled: bool = False
    max_requests: Int = 50
    timeout: Int = 3  # seconds
    max_body_size: Int = 0  # bytes; 0: the ~128MB default

    def validate(self) -> dict[str, Any]:
        on = c.when(self.enabled, c.required)
        return c.fields(
            self.named(),
            {"maxRequests": [on, c.minimum(0)], "timeout": [on, c.minimum(0)], "maxBodySize": [c.minimum(0)]},
        )


class LogsSettings(_Section, frozen=True):
    max_data_size: Int = 0  # 0: the ~16KB default
    max_days: Int = 5
    min_level: Int = 0
    log_ip: bool = msgspec.field(default=True, name="logIP")
    log_auth_id: bool = False

    def validate(self) -> dict[str, Any]:
        below = c.maximum(MAX_SAFE_JSON_INT)
        return c.fields(
            self.named(),
            {"maxDataSize": [c.minimum(0), below], "maxDays": [c.minimum(0), below], "minLevel": [below]},
        )


class Settings(_Section, frozen=True):
    """The whole settings document (`_params.settings`), PocketBase's defaults when built empty."""

    superuser_ips: tuple[str, ...] = msgspec.field(default=(), name="superuserIPs")
    smtp: SmtpSettings = msgspec.field(default_factory=SmtpSettings)
    backups: BackupsSettings = msgspec.field(default_factory=BackupsSettings)
    s3: S3Settings = msgspec.field(default_factory=S3Settings)
    meta: MetaSettings = msgspec.field(default_factory=MetaSettings)
    rate_limits: RateLimitsSettings = msgspec.field(default_factory=RateLimitsSettings)
    trusted_proxy: TrustedProxySettings = msgspec.field(default_factory=TrustedProxySettings)
    batch: BatchSettings = msgspec.field(default_factory=BatchSettings)
    logs: LogsSettings = msgspec.field(default_factory=LogsSettings)

    def validate(self) -> dict[str, Any]:
        """PocketBase's nested field errors for the whole document, keys sorted; {} when valid."""
        errors: dict[str, Any] = {}
        if e := c.each(self.superuser_ips, c.required, _IP):
            errors["superuserIPs"] = e
        for name, section in (
            ("meta", self.meta),
            ("logs", self.logs),
            ("smtp", self.smtp),
            ("s3", self.s3),
            ("backups", self.backups),
            ("batch", self.batch),
            ("rateLimits", self.rate_limits),
        ):
            if e := section.validate():
                errors[name] = e
        return c.sorted_tree(errors)
