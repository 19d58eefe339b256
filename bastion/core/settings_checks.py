"""The validation rules the settings sections declare, as ozzo-validation (PocketBase's) applies them.

A rule is a function of one value returning an error dict or None. Every rule but `required`
lets an empty value ("", 0, false, []) pass. `fields` is ValidateStruct: per field, the error of
the first rule that fails. Messages are already sentenized, as PocketBase sends them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Error = dict[str, Any]
Rule = Callable[[Any], Error | None]

__all__ = [
    "REQUIRED",
    "Error",
    "Rule",
    "check",
    "each",
    "err",
    "fields",
    "length",
    "maximum",
    "minimum",
    "one_of",
    "required",
    "sorted_tree",
    "when",
]


def err(code: str, message: str, **params: Any) -> Error:
    return {"code": code, "message": message, **({"params": params} if params else {})}


REQUIRED = err("validation_required", "Cannot be blank.")


def required(value: Any) -> Error | None:
    return REQUIRED if value in ("", 0, None) or value == () or value == [] else None


def minimum(n: int) -> Rule:
    e = err("validation_min_greater_equal_than_required", f"Must be no less than {n}.", threshold=n)
    return lambda v: e if v and v < n else None


def maximum(n: int) -> Rule:
    e = err("validation_max_less_equal_than_required", f"Must be no greater than {n}.", threshold=n)
    return lambda v: e if v and v > n else None


def length(lo: int, hi: int) -> Rule:
    if lo == hi:
        e = err("validation_length_invalid", f"The length must be exactly {lo}.", max=hi, min=lo)
    else:
        e = err(
            "validation_length_out_of_range", f"The length must be between {lo} and {hi}.", max=hi, min=lo
        )
    return lambda v: e if v and not lo <= len(v) <= hi else None


def check(test: Callable[[str], object], code: str, message: str) -> Rule:
    """A string format rule: empty values pass."""
    e = err(code, message)
    return lambda v: e if v and not test(v) else None


def one_of(*allowed: str) -> Rule:
    return check(lambda v: v in allowed, "validation_in_invalid", "Must be a valid value.")


def _skip(_value: Any) -> None:
    return None


def when(condition: bool, rule: Rule) -> Rule:
    return rule if condition else _skip


def fields(values: dict[str, Any], rules: dict[str, Sequence[Rule]]) -> dict[str, Error]:
    """ValidateStruct over `values` (field name -> value): the first failing rule per field."""
    errors: dict[str, Error] = {}
    for name, checks in rules.items():
        for rule in checks:
            e = rule(values[name])
            if e:
                errors[name] = e
                break
    return errors


def each(values: Sequence[str], *rules: Rule) -> dict[str, Error]:
    """validation.Each: errors keyed by the failing element's index."""
    out: dict[str, Error] = {}
    for i, value in enumerate(values):
        for rule in rules:
            e = rule(value)
            if e:
                out[str(i)] = e
                break
    return out


def sorted_tree(errors: dict[str, Any]) -> dict[str, Any]:
    """Go encodes error maps with their keys sorted; so are these."""
    return {k: sorted_tree(v) if isinstance(v, dict) else v for k, v in sorted(errors.items())}
