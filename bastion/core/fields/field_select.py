"""The select field: one (or with maxSelect > 1, several) of a fixed list of values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bastion.core.fields import field_rules as rules
from bastion.core.fields.field_base import Field, fail, required_error
from bastion.core.fields.field_cast import to_unique_strings
from bastion.core.fields.field_multi import MultiValueMixin


@dataclass(kw_only=True)
class SelectField(MultiValueMixin, Field):
    type = "select"
    OPTIONS = (("maxSelect", "max_select", "int"), ("values", "values", "strlist"))

    values: list[str] = field(default_factory=list)
    max_select: int = 0

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        items = to_unique_strings(value)
        if not items:
            if self.required:
                raise required_error()
            return
        limit = max(self.max_select, 1)
        if len(items) > limit:
            raise fail(
                "validation_too_many_values", "Select no more than {{.maxSelect}}", {"maxSelect": limit}
            )
        for item in items:
            if item not in self.values:
                raise fail("validation_invalid_value", "Invalid value {{.value}}", {"value": item})

    def _validate_options(self, ctx: Any) -> dict[str, Any]:
        limit = len(self.values) or 1
        return rules.collect(
            values=None if self.values else rules.required(),
            maxSelect=rules.first(rules.min_rule(self.max_select, 0), rules.max_rule(self.max_select, limit)),
        )
