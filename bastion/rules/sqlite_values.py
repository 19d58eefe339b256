"""SQLite's value semantics, in Python: the single definition of "what a comparison means".

PocketBase's filters run on SQLite, so its comparison rules are the contract: storage classes
order NULL < numbers < text; a NUMERIC column converts numeric-looking text before comparing; a
TEXT column turns a bound number into text ('5.0' for a REAL); LIKE is case-insensitive for ASCII
only. The evaluator uses these functions directly and the PostgreSQL compiler mirrors them.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

_NUMERIC_TEXT = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


def real_text(f: float) -> str:
    """SQLite's text form of a REAL (printf "%!.15g")."""
    if f != f or f in (float("inf"), float("-inf")):
        return "Inf" if f > 0 else "-Inf" if f < 0 else "NaN"
    if f == 0:  # SQLite's printf writes -0.0 without its sign
        return "0.0"
    s = f"{f:.15g}"
    if "e" in s:
        mant, exp = s.split("e")
        if "." not in mant:
            mant += ".0"
        sign = exp[0]
        digits = exp[1:].lstrip("0") or "0"
        return f"{mant}e{sign}{digits.zfill(2)}"
    return s if "." in s else s + ".0"


def to_text(v: Any) -> str | None:
    """CAST(v AS TEXT) for a storage value."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return real_text(v)
    return str(v)


def numeric_affinity(v: Any) -> Any:
    """What a NUMERIC column does to a value compared with it."""
    if isinstance(v, str) and _NUMERIC_TEXT.match(v):
        f = float(v)
        return int(f) if f.is_integer() and abs(f) < 2**63 else f
    return v


def math_number(v: Any) -> float | None:
    """What SQLite's math functions (radians(), cos() …) read `v` as: a number, numeric-looking
    text converted, NULL (None) for anything else (other text, a JSON object or array)."""
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str) and _NUMERIC_TEXT.match(v):
        return float(v)
    return None


def text_affinity(v: Any) -> Any:
    """What a TEXT column does to a number compared with it."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return to_text(v)
    return v


def stored_number(v: Any) -> Any:
    """A number as a NUMERIC column stores it (integral REALs become INTEGERs)."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**63:
        return int(v)
    return v


def stored_json_number(v: Any) -> Any:
    """A json column's whole value when it is a number: the column has NUMERIC affinity, so it
    holds the number as a number column does, and json_extract() reads that back from its text
    (100.0 is 100; 0.30000000000000004 is 0.3, its 15-digit text)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v
    if isinstance(v, int) and -(2**63) < v < 2**63:
        return v
    v = stored_number(float(v))
    if isinstance(v, float) and v == v and v not in (float("inf"), float("-inf")):
        return float(real_text(v))
    return v


def json_value(v: Any) -> Any:
    """What json_extract() returns for a decoded JSON value."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int) and not -(2**63) <= v < 2**63:  # past the 64-bit integers: a REAL
        return float(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    return v


def _cls(v: Any) -> int:
    return 1 if isinstance(v, (int, float)) else 2


def compare(a: Any, op: str, b: Any) -> bool | None:
    """`a op b` with SQL NULL semantics (None = unknown). op: = != < <= > >= IS, IS NOT."""
    if op in ("IS", "IS NOT"):
        same = a is None and b is None if a is None or b is None else compare(a, "=", b) is True
        return same if op == "IS" else not same
    if a is None or b is None:
        return None
    ca, cb = _cls(a), _cls(b)
    if ca != cb:
        ka, kb = ca, cb
    else:
        ka, kb = a, b
    if op == "=":
        return ka == kb
    if op == "!=":
        return ka != kb
    if op == "<":
        return ka < kb
    if op == "<=":
        return ka <= kb
    if op == ">":
        return ka > kb
    if op == ">=":
        return ka >= kb
    raise ValueError(op)


def like(value: Any, pattern: Any) -> bool | None:
    """`value LIKE pattern ESCAPE '\\'` (ASCII case-insensitive).

    Matched segment by segment rather than through one regex: `%` splits the pattern into
    fixed-length segments (literals and `_`), the first anchored at the start, the last at the
    end, and each one between found leftmost after the previous. That is exact for LIKE and costs
    one scan of the text per segment, where a backtracking regex of `x%x%x%…` took minutes on a
    short text: a realtime subscriber's filter must never be able to stall the fan-out.
    """
    if value is None or pattern is None:
        return None
    text, pat = to_text(value), to_text(pattern)
    assert text is not None and pat is not None
    if dangling_escape(pat):
        return False  # SQLite: a pattern ending in a lone escape matches nothing
    return _like_segments(_like_plan(pat), _ascii_lower(text))


@lru_cache(maxsize=1024)
def _like_plan(pat: str) -> tuple[tuple[re.Pattern[str], int], ...]:
    """The pattern's `%`-separated segments, each as (regex of its fixed-length items, length)."""
    segments: list[tuple[re.Pattern[str], int]] = []
    items: list[str] = []
    i = 0
    while i <= len(pat):
        ch = pat[i] if i < len(pat) else "%"
        if ch == "%":
            segments.append((re.compile(_ascii_lower_regex("".join(items)), re.DOTALL), len(items)))
            items = []
        elif ch == "\\" and i + 1 < len(pat):
            items.append(re.escape(pat[i + 1]))
            i += 1
        else:
            items.append("." if ch == "_" else re.escape(ch))
        i += 1
    return tuple(segments)


def _like_segments(segments: tuple[tuple[re.Pattern[str], int], ...], text: str) -> bool:
    if len(segments) == 1:  # no `%`: the whole text, item by item
        regex, size = segments[0]
        return size == len(text) and regex.fullmatch(text) is not None
    (first, first_size), (last, last_size) = segments[0], segments[-1]
    if first_size + last_size > len(text) or first.match(text) is None:
        return False
    end = len(text) - last_size
    if last.fullmatch(text, end) is None:
        return False
    pos = first_size
    for regex, size in segments[1:-1]:  # leftmost is best: every later segment gets the most room
        if size == 0:
            continue
        found = regex.search(text, pos, end)
        if found is None:
            return False
        pos = found.end()
    return True


def dangling_escape(pattern: str) -> bool:
    """Does the LIKE pattern end with an escape character that escapes nothing?"""
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            if i + 1 == len(pattern):
                return True
            i += 2
        else:
            i += 1
    return False


def _ascii_lower(s: str) -> str:
    return s.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def _ascii_lower_regex(regex: str) -> str:
    return regex.translate(_ASCII_LOWER)


def go_string(v: Any) -> str:
    """Go's cast.ToString, used by PocketBase when it wraps LIKE parameters."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e21:
            return str(int(v))
        return format(Decimal(repr(v)), "f")
    return str(v)


def _contains_unescaped(s: str, ch: str) -> bool:
    prev = ""
    for c in s:
        if c == ch and prev != "\\":
            return True
        prev = "" if (c == "\\" and prev == "\\") else c
    return False


def _escape_unescaped(s: str, chars: str) -> str:
    out: list[str] = []
    match = False
    for i in range(len(s) - 1, -1, -1):
        c = s[i]
        if match:
            if c != "\\":
                out.append("\\")
            match = False
        elif c in chars:
            match = True
        out.append(c)
        if i == 0 and match:
            out.append("\\")
    return "".join(reversed(out))


def wrap_like(v: Any) -> str:
    """`~` without an explicit `%`: match anywhere, with `%`, `_` and `\\` taken literally."""
    s = go_string(v)
    if not _contains_unescaped(s, "%"):
        s = "%" + _escape_unescaped(s, "\\%_") + "%"
    return s
