"""Identifiers the way PocketBase makes them.

- record ids: 15 characters of `[a-z0-9]`, cryptographically random;
- collection ids: `pbc_` + the decimal CRC-32 of `type + name` (so `_superusers`, an auth
  collection, is `pbc_3142635823`, the id PocketBase's SDKs know);
- field ids: `type` + the decimal CRC-32 of the field name (`text3208210256` for `id`);
- `random_from_pattern`: a random string matching a regular expression, the generator behind a
  text field's `autogeneratePattern` (PocketBase's `RandomStringByRegex`, same repeat limits).

Pure module: no I/O besides the OS random source.
"""

from __future__ import annotations

import functools
import re
import secrets
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # typeshed describes the regex parser under its old public names
    import sre_constants as _sre
    import sre_parse as _sre_parse
else:  # Python 3.11+ keeps it here (importing sre_parse warns DeprecationWarning)
    from re import _constants as _sre
    from re import _parser as _sre_parse

RECORD_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
DEFAULT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
RECORD_ID_LENGTH = 15

# PocketBase caps open repeats (`*`, `+`, `{n,}`) at 6, and picks the count in [min, max).
_DEFAULT_MAX_REPEAT = 6
_MAX_RUNE = 0x10FFFF
# `.` produces letters and digits only, as PocketBase does.
_ANY_CHAR = ((ord("A"), ord("Z")), (ord("a"), ord("z")), (ord("0"), ord("9")))
# Go's regexp classes are ASCII-only; Python's would be Unicode, so spell them out.
_CATEGORIES: dict[object, tuple[tuple[int, int], ...]] = {
    _sre.CATEGORY_DIGIT: ((48, 57),),
    _sre.CATEGORY_WORD: ((48, 57), (65, 90), (95, 95), (97, 122)),
    _sre.CATEGORY_SPACE: ((9, 10), (12, 13), (32, 32)),
}
_NEGATED_CATEGORIES = {
    _sre.CATEGORY_NOT_DIGIT: _sre.CATEGORY_DIGIT,
    _sre.CATEGORY_NOT_WORD: _sre.CATEGORY_WORD,
    _sre.CATEGORY_NOT_SPACE: _sre.CATEGORY_SPACE,
}


def crc32_str(value: str) -> str:
    """Decimal IEEE CRC-32 of the UTF-8 bytes, as PocketBase's `crc32Checksum`."""
    return str(zlib.crc32(value.encode("utf-8")))


def collection_id_for(name: str, collection_type: str = "base") -> str:
    """Default id of a new collection; PocketBase hashes the type together with the name."""
    return "pbc_" + crc32_str(collection_type + name)


def field_id_for(field_type: str, name: str) -> str:
    """Default id of a new field (PocketBase appends 2, 3 ... on a clash within one collection)."""
    return field_type + crc32_str(name)


def random_string(length: int, alphabet: str = DEFAULT_ALPHABET) -> str:
    return _draw(alphabet, length)


def new_record_id() -> str:
    return random_string(RECORD_ID_LENGTH, RECORD_ID_ALPHABET)


def random_from_pattern(pattern: str) -> str:
    """A random string matching `pattern`; ValueError for an invalid or unsupported pattern
    (anchors, lookarounds and back-references cannot be generated, as in PocketBase)."""
    out: list[str] = []
    _run(_plan(pattern), out)
    return "".join(out)


# A compiled pattern is a tuple of steps, each one of:
#   ("lit", text) · ("pick", alphabet-or-ranges) · ("rep", low, high, steps) · ("alt", (steps, ...))
# Compiling once per pattern (every record create draws an id) keeps the regex parser and the
# character-class arithmetic off the hot path; only the random draws remain per call.
_Step = tuple[Any, ...]
# Classes up to this many characters become a string for secrets.choice; larger ones stay ranges.
_SMALL_CLASS = 512


@functools.lru_cache(maxsize=256)
def _plan(pattern: str) -> tuple[_Step, ...]:
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error as exc:
        raise ValueError(f"error parsing regexp: {exc}") from exc
    return _compile(parsed.data)


def _compile(items: Iterable[tuple[Any, Any]]) -> tuple[_Step, ...]:
    # The parser's items are (opcode, argument); the argument's shape depends on the opcode.
    steps: list[_Step] = []
    for op, arg in items:
        if op is _sre.LITERAL:
            steps.append(("lit", chr(arg)))
        elif op is _sre.NOT_LITERAL:
            steps.append(_pick_step(_negate(((arg, arg),))))
        elif op is _sre.ANY:
            steps.append(_pick_step(_ANY_CHAR))
        elif op is _sre.IN:
            steps.append(_pick_step(_class_ranges(arg)))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)):
            low, high, sub = arg
            if high is _sre.MAXREPEAT or high < 0:
                high = _DEFAULT_MAX_REPEAT
            steps.append(("rep", low, max(high, low), _compile(sub)))
        elif op is _sre.SUBPATTERN:
            steps.extend(_compile(arg[-1]))
        elif op is getattr(_sre, "ATOMIC_GROUP", None):
            steps.extend(_compile(arg))
        elif op is _sre.BRANCH:
            steps.append(("alt", tuple(_compile(branch) for branch in arg[1])))
        else:
            raise ValueError(f"unsupported pattern operator {op}")
    return tuple(steps)


def _pick_step(ranges: tuple[tuple[int, int], ...]) -> _Step:
    total = sum(hi - lo + 1 for lo, hi in ranges)
    if total <= 0:
        raise ValueError("no runes to choose from")
    if total <= _SMALL_CLASS:
        return ("pick", "".join(_rune(c) for lo, hi in ranges for c in range(lo, hi + 1)))
    return ("pick", ranges)


def _run(steps: tuple[_Step, ...], out: list[str]) -> None:
    for step in steps:
        kind = step[0]
        if kind == "lit":
            out.append(step[1])
        elif kind == "pick":
            chars = step[1]
            out.append(secrets.choice(chars) if isinstance(chars, str) else _pick(chars))
        elif kind == "rep":
            low, high, sub = step[1], step[2], step[3]
            count = low if high == low else low + secrets.randbelow(high - low)
            if len(sub) == 1 and sub[0][0] == "pick" and isinstance(sub[0][1], str):
                out.append(_draw(sub[0][1], count))
            else:
                for _ in range(count):
                    _run(sub, out)
        else:
            branches = step[1]
            _run(branches[secrets.randbelow(len(branches))], out)


def _class_ranges(items: list[tuple[Any, Any]]) -> tuple[tuple[int, int], ...]:
    # LITERAL carries a code point, RANGE a (low, high) pair, CATEGORY a category opcode
    ranges: list[tuple[int, int]] = []
    negate = False
    for op, arg in items:
        if op is _sre.NEGATE:
            negate = True
        elif op is _sre.LITERAL:
            ranges.append((arg, arg))
        elif op is _sre.RANGE:
            ranges.append(arg)
        elif op is _sre.CATEGORY:
            if arg in _CATEGORIES:
                ranges.extend(_CATEGORIES[arg])
            elif arg in _NEGATED_CATEGORIES:
                ranges.extend(_negate(_CATEGORIES[_NEGATED_CATEGORIES[arg]]))
            else:
                raise ValueError(f"unsupported character class {arg}")
        else:
            raise ValueError(f"unsupported character class item {op}")
    merged = _merge(ranges)
    return _negate(merged) if negate else merged


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


def _negate(ranges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    nxt = 0
    for lo, hi in _merge(list(ranges)):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= _MAX_RUNE:
        out.append((nxt, _MAX_RUNE))
    return tuple(out)


def _draw(chars: str, count: int) -> str:
    """`count` uniform picks from `chars` out of one OS random read (rejection sampling keeps it
    unbiased); the common case, a record id, is 15 picks from 36 characters."""
    size = len(chars)
    if size > 256:
        return "".join(secrets.choice(chars) for _ in range(count))
    limit = 256 - 256 % size
    out: list[str] = []
    while len(out) < count:
        for byte in secrets.token_bytes(count + count // 2 + 2):
            if byte < limit:
                out.append(chars[byte % size])
                if len(out) == count:
                    break
    return "".join(out)


def _pick(ranges: tuple[tuple[int, int], ...]) -> str:
    total = sum(hi - lo + 1 for lo, hi in ranges)
    n = secrets.randbelow(total)
    for lo, hi in ranges:
        size = hi - lo + 1
        if n < size:
            return _rune(lo + n)
        n -= size
    raise AssertionError("unreachable")


def _rune(code: int) -> str:
    # Surrogates cannot be encoded; Go writes U+FFFD for them.
    return "\ufffd" if 0xD800 <= code <= 0xDFFF else chr(code)
