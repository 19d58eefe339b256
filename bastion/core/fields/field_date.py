"""Date fields: `date` (set by clients, optional min/max) and `autodate` (set by the server on
create and/or update). Values are PocketBase's date text (`2006-01-02 15:04:05.000Z`) or ""."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bastion.core.datetime_format import normalize_dt, parse_dt
from bastion.core.fields import field_rules as rules
from bastion.core.fields.field_base import Field, FieldValueError, required_error


def go_time_string(dt: datetime) -> str:
    """Go's time.Time.String() for a UTC time: `2006-01-02 15:04:05.123 +0000 UTC`."""
    frac = f".{dt.microsecond:06d}".rstrip("0").rstrip(".") if dt.microsecond else ""
    return dt.strftime("%Y-%m-%d %H:%M:%S") + frac + " +0000 UTC"


def go_rfc3339(dt: datetime) -> str:
    """How Go's JSON encoder writes a time.Time (RFC 3339 with trimmed nanoseconds)."""
    frac = f".{dt.microsecond:06d}".rstrip("0").rstrip(".") if dt.microsecond else ""
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"


def _threshold_error(code: str, words: str, threshold: datetime) -> FieldValueError:
    return FieldValueError(
        code, f"Must be {words} than {go_time_string(threshold)}.", {"threshold": go_rfc3339(threshold)}
    )


@dataclass(kw_only=True)
class DateField(Field):
    type = "date"
    OPTIONS = (("max", "max", "date"), ("min", "min", "date"))

    min: str = ""
    max: str = ""

    def normalize(self, raw: Any) -> Any:
        return normalize_dt(raw)

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        current = parse_dt(value) if value else None
        if current is None:
            if self.required:
                raise required_error()
            return
        low, high = parse_dt(self.min), parse_dt(self.max)
        if low is not None and current < low:
            raise _threshold_error("validation_min_greater_equal_than_required", "no less", low)
        if high is not None and current > high:
            raise _threshold_error("validation_max_less_equal_than_required", "no greater", high)

    # PocketBase does not check min <= max (its range rule is built and then discarded).


@dataclass(kw_only=True)
class AutodateField(Field):
    type = "autodate"
    OPTIONS = (("onCreate", "on_create", "bool"), ("onUpdate", "on_update", "bool"))
    HAS_HELP = False
    HAS_REQUIRED = False

    on_create: bool = False
    on_update: bool = False

    def normalize(self, raw: Any) -> Any:
        return normalize_dt(raw)

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        return None  # set by the server only

    def _validate_options(self, ctx: Any) -> dict[str, Any]:
        old = None
        finder = getattr(ctx, "old_field", None)
        if callable(finder):
            old = finder(self.id)
        neither = rules.error("validation_required", "either onCreate or onUpdate must be enabled")
        mismatch = rules.error("validation_values_mismatch", "Values don't match.")
        # System autodate fields (created/updated of system collections) keep their flags.
        locked = old if self.system and isinstance(old, AutodateField) else None
        return rules.collect(
            onCreate=mismatch
            if locked is not None and locked.on_create != self.on_create
            else (neither if not self.on_create and not self.on_update else None),
            onUpdate=mismatch
            if locked is not None and locked.on_update != self.on_update
            else (neither if not self.on_create and not self.on_update else None),
        )
