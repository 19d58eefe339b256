"""Text-like fields: text (with the record id as its primary-key flavour), editor, email, url."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bastion.core.fields import field_rules as rules
from bastion.core.fields.field_base import (
    AUTOGENERATE_OPS,
    Field,
    context_fields,
    fail,
    original_value,
    required_error,
)
from bastion.core.fields.field_cast import to_string
from bastion.core.fields.field_regex import go_search
from bastion.core.ids import random_from_pattern
from bastion.core.text_formats import is_domain, is_email, is_url, url_host

DEFAULT_ID_PATTERN = "^[a-z0-9]+$"
DEFAULT_TEXT_MAX = 5000
DEFAULT_EDITOR_MAX_SIZE = 5 << 20
PK_SQL = {
    "sqlite": "TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL",
    # Same shape on PostgreSQL: 'r' + 14 hex characters, without needing pgcrypto.
    "postgres": "TEXT PRIMARY KEY DEFAULT ('r'||substr(md5(gen_random_uuid()::text), 1, 14)) NOT NULL",
}
# Characters and names that make a poor file/directory name (record ids name upload folders).
FORBIDDEN_PK_CHARACTERS = (
    ".",
    "/",
    "\\",
    "|",
    '"',
    "'",
    "`",
    "<",
    ">",
    ":",
    "?",
    "*",
    "%",
    "$",
    "\x00",
    "\t",
    "\n",
    "\r",
    " ",
)
RESERVED_PKS = (
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
)


@dataclass(kw_only=True)
class TextField(Field):
    type = "text"
    OPTIONS = (
        ("autogeneratePattern", "autogenerate_pattern", "str"),
        ("max", "max", "int"),
        ("min", "min", "int"),
        ("pattern", "pattern", "str"),
        ("primaryKey", "primary_key", "bool"),
    )

    min: int = 0
    max: int = 0
    pattern: str = ""
    autogenerate_pattern: str = ""
    primary_key: bool = False

    def column_sql(self, dialect: str) -> str:
        return PK_SQL[dialect] if self.primary_key else super().column_sql(dialect)

    def generate_for_new(self) -> str | None:
        """A value for a new record that left the field empty (None without a pattern)."""
        return random_from_pattern(self.autogenerate_pattern) if self.autogenerate_pattern else None

    def apply_modifier(self, op: str, current: Any, arg: Any) -> Any:
        if op in AUTOGENERATE_OPS or op == f"{self.name}:autogenerate":
            return to_string(arg) + (self.generate_for_new() or "")
        return super().apply_modifier(op, current, arg)

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        value = to_string(value)
        if self.primary_key and ctx is not None:
            if not getattr(ctx, "is_new", True):
                old = original_value(ctx, self.name)
                if old is not None and old != value:
                    raise fail("validation_pk_change", "The record primary key cannot be changed.")
                if old:
                    return  # saved ids are trusted (they may come from an import)
            elif self.pattern != DEFAULT_ID_PATTERN:
                exists = getattr(ctx, "pk_exists", None)
                if callable(exists) and exists(value):
                    raise fail(
                        "validation_pk_invalid", "The record primary key is invalid or already exists."
                    )
        self.validate_plain(value)

    def validate_plain(self, value: str) -> None:
        if (self.required or self.primary_key) and value == "":
            raise required_error()
        if value == "":
            return
        length = len(value)
        if self.min > 0 and length < self.min:
            raise fail(
                "validation_min_text_constraint", "Must be at least {{.min}} character(s).", {"min": self.min}
            )
        limit = self.max or DEFAULT_TEXT_MAX
        if limit > 0 and length > limit:
            raise fail(
                "validation_max_text_constraint",
                "Must be no more than {{.max}} character(s).",
                {"max": limit},
            )
        if self.pattern and not go_search(self.pattern, value):
            raise fail("validation_invalid_format", "Invalid value format.")
        if self.primary_key and self.pattern != DEFAULT_ID_PATTERN:
            for ch in FORBIDDEN_PK_CHARACTERS:
                if ch in value:
                    raise fail(
                        "validation_forbidden_pk_character",
                        "'{{.ch}}' is not a valid primary key character.",
                        {"ch": ch},
                    )
            if length <= 4:
                for reserved in RESERVED_PKS:
                    if value.upper() == reserved:
                        raise fail(
                            "validation_reserved_pk",
                            "The primary key '{{.reserved}}' is reserved and cannot be used.",
                            {"reserved": reserved},
                        )

    def validate_definition(self, ctx: Any = None) -> dict[str, Any]:
        errors = super().validate_definition(ctx)
        if "name" not in errors and self.primary_key and self.name != "id":
            errors["name"] = rules.error("validation_in_invalid", 'The primary key must be named "id".')
        return errors

    def _validate_options(self, ctx: Any) -> dict[str, Any]:
        pks = sum(1 for f in context_fields(ctx) if isinstance(f, TextField) and f.primary_key)
        return rules.collect(
            primaryKey=rules.error(
                "validation_unsupported_composite_pk",
                "Composite PKs are not supported and the collection must have only 1 PK.",
            )
            if self.primary_key and pks > 1
            else None,
            min=rules.first(rules.min_rule(self.min, 0), rules.max_rule(self.min, rules.MAX_SAFE_JSON_INT)),
            max=rules.first(
                rules.min_rule(self.max, self.min), rules.max_rule(self.max, rules.MAX_SAFE_JSON_INT)
            ),
            pattern=rules.required()
            if self.primary_key and not self.pattern
            else rules.regex_error(self.pattern),
            hidden=rules.empty() if self.primary_key and self.hidden else None,
            required=rules.required() if self.primary_key and not self.required else None,
            autogeneratePattern=rules.regex_error(self.autogenerate_pattern) or self._autogenerate_error(),
        )

    def _autogenerate_error(self) -> dict[str, Any] | None:
        if not self.autogenerate_pattern:
            return None
        # Sample a few values: a pattern that can produce invalid values is refused up front.
        for _ in range(10):
            try:
                generated = random_from_pattern(self.autogenerate_pattern)
            except ValueError as exc:
                return rules.error("validation_invalid_autogenerate_pattern", str(exc))
            try:
                self.validate_plain(generated)
            except Exception:
                return rules.error(
                    "validation_invalid_autogenerate_pattern_value",
                    "The provided autogenerate pattern could produce invalid field values, ex.: "
                    + json.dumps(generated, ensure_ascii=False),
                )
        return None


@dataclass(kw_only=True)
class EditorField(Field):
    type = "editor"
    OPTIONS = (("convertURLs", "convert_urls", "bool"), ("maxSize", "max_size", "int"))

    max_size: int = 0
    convert_urls: bool = False

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        value = to_string(value)
        if self.required and value == "":
            raise required_error()
        limit = self.max_size if self.max_size > 0 else DEFAULT_EDITOR_MAX_SIZE
        if len(value.encode("utf-8")) > limit:
            raise fail(
                "validation_content_size_limit",
                "The maximum allowed content size is {{.maxSize}} bytes",
                {"maxSize": limit},
            )

    def _validate_options(self, ctx: Any) -> dict[str, Any]:
        return rules.collect(
            maxSize=rules.first(
                rules.min_rule(self.max_size, 0), rules.max_rule(self.max_size, rules.MAX_SAFE_JSON_INT)
            )
        )


@dataclass(kw_only=True)
class _DomainListField(Field):
    OPTIONS = (("exceptDomains", "except_domains", "strlist"), ("onlyDomains", "only_domains", "strlist"))

    except_domains: list[str] = field(default_factory=list)
    only_domains: list[str] = field(default_factory=list)

    def _validate_options(self, ctx: Any) -> dict[str, Any]:
        return rules.collect(
            exceptDomains=rules.empty()
            if self.only_domains and self.except_domains
            else _each_domain(self.except_domains),
            onlyDomains=rules.empty()
            if self.except_domains and self.only_domains
            else _each_domain(self.only_domains),
        )

    def _domain_allowed(self, domain: str) -> bool:
        if self.only_domains and domain not in self.only_domains:
            return False
        return not (self.except_domains and domain in self.except_domains)

    def _validate_address(
        self,
        value: Any,
        is_valid: Callable[[str], bool],
        host_of: Callable[[str], str],
        invalid: tuple[str, str],
        not_allowed: tuple[str, str],
    ) -> None:
        """The email/url check: required, format, then the only/except domain lists."""
        value = to_string(value)
        if self.required and value == "":
            raise required_error()
        if value == "":
            return
        if not is_valid(value):
            raise fail(*invalid)
        if not self._domain_allowed(host_of(value)):
            raise fail(*not_allowed)


def _each_domain(domains: list[str]) -> dict[str, Any] | None:
    errors = {
        str(i): rules.error("validation_is_domain", "must be a valid domain")
        for i, d in enumerate(domains)
        if d and not is_domain(d)
    }
    return errors or None


@dataclass(kw_only=True)
class EmailField(_DomainListField):
    type = "email"

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        self._validate_address(
            value,
            is_email,
            lambda v: v[v.rfind("@") + 1 :],
            ("validation_is_email", "must be a valid email address"),
            ("validation_email_domain_not_allowed", "Email domain is not allowed"),
        )


@dataclass(kw_only=True)
class URLField(_DomainListField):
    type = "url"

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        self._validate_address(
            value,
            is_url,
            url_host,
            ("validation_invalid_url", "Must be a valid url"),
            ("validation_url_domain_not_allowed", "Url domain is not allowed"),
        )
