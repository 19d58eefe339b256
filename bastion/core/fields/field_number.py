"""The number field: a float64 in PocketBase, integral values returned without a fraction."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bastion.core.fields import field_rules as rules
from bastion.core.fields.field_base import (
    APPEND_OPS,
    SUBTRACT_OPS,
    Field,
    FieldValueError,
    fail,
    required_error,
)
from bastion.core.fields.field_cast import go_num, to_float
from bastion.store.dialect import SQL_DIALECTS

_ONLY_INT = ("validation_only_int_constraint", "Decimal numbers are not allowed")


def _min_error(threshold: float) -> FieldValueError:
    return fail(
        "validation_min_number_constraint", "Must be greater or equal than {{.min}}", {"min": threshold}
    )


@dataclass(kw_only=True)
class NumberField(Field):
    type = "number"
    OPTIONS = (("max", "max", "optfloat"), ("min", "min", "optfloat"), ("onlyInt", "only_int", "bool"))

    min: float | None = None
    max: float | None = None
    only_int: bool = False

    def column_sql(self, dialect: str) -> str:
        return f"{SQL_DIALECTS[dialect].real_type} DEFAULT 0 NOT NULL"

    def zero_value(self) -> Any:
        return 0.0

    def normalize(self, raw: Any) -> Any:
        return to_float(raw)

    def apply_modifier(self, op: str, current: Any, arg: Any) -> Any:
        if op in APPEND_OPS or op == f"{self.name}+":
            return to_float(current) + to_float(arg)
        if op in SUBTRACT_OPS or op == f"{self.name}-":
            return to_float(current) - to_float(arg)
        return super().apply_modifier(op, current, arg)

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        value = to_float(value)
        if math.isinf(value) or math.isnan(value):
            raise fail("validation_not_a_number", "The submitted number is not properly formatted")
        if value == 0:
            if self.required:
                raise required_error()
            return
        if self.only_int and value != int(value):
            raise fail(*_ONLY_INT)
        if self.min is not None and value < self.min:
            raise _min_error(self.min)
        if self.max is not None and value > self.max:
            raise fail(
                "validation_max_number_constraint", "Must be less or equal than {{.max}}", {"max": self.max}
            )

    def to_db(self, value: Any, dialect: str) -> Any:
        return to_float(value)

    def from_db(self, raw: Any, dialect: str) -> Any:
        return to_float(raw)

    def to_api(self, value: Any) -> Any:
        return go_num(to_float(value))

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["min"] = None if self.min is None else go_num(self.min)
        out["max"] = None if self.max is None else go_num(self.max)
        return out

    def _validate_options(self, ctx: Any) -> dict[str, Any]:
        def only_int(v: float | None) -> dict[str, Any] | None:
            return rules.error(*_ONLY_INT) if v is not None and self.only_int and v != int(v) else None

        max_error = only_int(self.max)
        if max_error is None and self.min is not None and self.max is not None and self.max < self.min:
            max_error = _min_error(self.min).to_dict()
        return rules.collect(min=only_int(self.min), max=max_error)
