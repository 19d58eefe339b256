"""Input coercion with the semantics of Go's `spf13/cast`, which PocketBase's field setters use.

These decide what a record stores when a client sends the "wrong" JSON type: `"12.5"` to a
number, `1` to a bool, `123` to a text, a single string to a multi-select. Matching them exactly
is what makes the same request give the same record on Bastion and PocketBase.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

_GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def go_float_str(value: float) -> str:
    """strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e300:
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def go_num(value: float | int) -> float | int:
    """A number as Go's JSON encoder writes a float64: integral values without a fraction."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value) and abs(value) < 1e21:
        return int(value)
    return value


def go_fmt(value: Any) -> str:
    """`%v` of a template parameter (numbers in Go's shortest form, e.g. 10.5, 5, 1e+21)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_fmt(v) for v in value) + "]"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e21:
            return str(int(value))
        text = repr(value)
        if "e" in text:  # Go: 1e+21, 1e-07 -> 1e-07
            mant, exp = text.split("e")
            sign = "-" if exp.startswith("-") else "+"
            return f"{mant}e{sign}{exp.lstrip('+-').zfill(2)}"
        return text
    return str(value)


def to_string(value: Any) -> str:
    """cast.ToString: scalars to text, anything else (lists, objects, null) to ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float_str(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return ""


def to_float(value: Any) -> float:
    """cast.ToFloat64: numbers, bools (1/0) and strconv.ParseFloat-able text; else 0."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        # Go's ParseFloat rejects surrounding spaces and underscores that Python's float() allows.
        if value != value.strip() or "_" in value:
            return 0.0
        try:
            return float(value)
        except ValueError:
            return 0.0
    return 0.0


def to_bool(value: Any) -> bool:
    """cast.ToBool: strconv.ParseBool for text (no trimming), non-zero for numbers."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value in _GO_TRUE
    return False


def to_unique_strings(value: Any) -> list[str]:
    """PocketBase's list.ToUniqueStringSlice: a JSON-array string is decoded, a plain string
    becomes one item, other scalars are stringified; empty items and duplicates are dropped."""
    items: list[str]
    if value is None:
        items = []
    elif isinstance(value, str):
        items = _from_text(value)
    elif isinstance(value, list | tuple):
        items = [to_string(v) for v in value]
    elif isinstance(value, dict):
        items = []
    else:
        items = [to_string(value)]
    return nonzero_uniques(items)


def nonzero_uniques(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _from_text(value: str) -> list[str]:
    if value == "":
        return []
    if "[" in value:
        try:
            decoded = json.loads(value)
        except ValueError:
            return [value]
        # Go's Unmarshal into []string: only an array of strings (or null) succeeds.
        if decoded is None:
            return []
        if isinstance(decoded, list) and all(isinstance(v, str) for v in decoded):
            return decoded
    return [value]
