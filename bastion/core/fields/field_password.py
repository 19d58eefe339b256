"""The password field. Its value is the plain password between input and hashing, and the
stored hash (argon2id for new ones, bcrypt for PocketBase imports) afterwards; the API returns
neither (`""`, as PocketBase).

A value a client sent is a `PlainPassword` (a str marked as not hashed yet): only those are
checked against min/max/pattern and hashed before the row is written (core/record_passwords.py).
A value read from the database is a plain str, the stored hash, and is never checked again, so a
client cannot slip a ready-made "hash" past the checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bastion.core.fields import field_rules as rules
from bastion.core.fields.field_base import Field, fail, required_error
from bastion.core.fields.field_cast import to_string
from bastion.core.fields.field_regex import go_search

# bcrypt reads 72 bytes at most; PocketBase keeps its 71-character default for both algorithms.
MAX_PASSWORD_LENGTH = 71


class PlainPassword(str):
    """A password as a client sent it: still to be validated and hashed."""

    __slots__ = ()


@dataclass(kw_only=True)
class PasswordField(Field):
    type = "password"
    OPTIONS = (
        ("cost", "cost", "int"),
        ("max", "max", "int"),
        ("min", "min", "int"),
        ("pattern", "pattern", "str"),
    )

    min: int = 0
    max: int = 0
    pattern: str = ""
    cost: int = 0  # bcrypt cost in PocketBase; kept for compatibility, argon2 ignores it

    def normalize(self, raw: Any) -> Any:
        return PlainPassword(to_string(raw))

    def from_db(self, raw: Any, dialect: str) -> Any:
        return to_string(raw)  # the stored hash, not a new password

    def to_db(self, value: Any, dialect: str) -> Any:
        return str(value)

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        if self.required and to_string(value) == "":
            raise required_error()
        if not isinstance(value, PlainPassword) or value == "":
            return  # nothing new to check: the stored hash was validated when it was set
        length = len(value)
        if length < self.min:
            raise fail("validation_min_text_constraint", f"Must be at least {self.min} character(s)")
        limit = self.max if self.max > 0 else MAX_PASSWORD_LENGTH
        if length > limit:
            raise fail("validation_max_text_constraint", f"Must be less than {limit} character(s)")
        if self.pattern and not go_search(self.pattern, value):
            raise fail("validation_invalid_format", "Invalid value format")

    def to_api(self, value: Any) -> Any:
        return ""

    def _validate_options(self, ctx: Any) -> dict[str, Any]:
        return rules.collect(
            min=rules.first(rules.min_rule(self.min, 1), rules.max_rule(self.min, MAX_PASSWORD_LENGTH)),
            max=rules.first(
                rules.min_rule(self.max, self.min), rules.max_rule(self.max, MAX_PASSWORD_LENGTH)
            ),
            cost=rules.first(rules.min_rule(self.cost, 4), rules.max_rule(self.cost, 31)),
            pattern=rules.regex_error(self.pattern),
        )
