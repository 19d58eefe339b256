"""Field `pattern` options are Go (RE2) regular expressions; this runs them on Python's `re`
with Go's meaning where the two differ in ways users hit:

- `$` (without the `m` flag) matches only at the very end in Go; Python's also matches before a
  final newline, which would let "abc\\n" pass `^[a-z]+$`. It becomes `\\Z` here.
- `\\d`, `\\w`, `\\s` are ASCII-only in Go, Unicode in Python; they are spelled out as ASCII sets.
- `\\z` (Go's end of text) is Python's `\\Z`; `\\pL` / `\\p{L}` (letters) and `\\pN` / `\\p{N}`
  (digits) are mapped outside character classes.

Other RE2 extensions (`(?U)`, most `\\p{...}` classes) fail to compile and are reported as an
invalid pattern; Python-only syntax (lookarounds, back-references) is accepted where PocketBase
would refuse it.
"""

from __future__ import annotations

import re
from functools import lru_cache

_OUTSIDE = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "w": "[0-9A-Za-z_]",
    "W": "[^0-9A-Za-z_]",
    "s": r"[\t\n\f\r ]",
    "S": r"[^\t\n\f\r ]",
    "z": r"\Z",
}
_INSIDE = {"d": "0-9", "w": "0-9A-Za-z_", "s": r"\t\n\f\r "}
_UNICODE_CLASSES = {"L": r"[^\W\d_]", "N": r"\d"}
_MULTILINE_FLAG = re.compile(r"\(\?[a-zA-Z]*m[a-zA-Z]*[:)]")


def translate(pattern: str) -> str:
    multiline = bool(_MULTILINE_FLAG.search(pattern))
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in "pP" and not in_class:
                name, width = _unicode_class_name(pattern, i + 2)
                mapped = _UNICODE_CLASSES.get(name)
                if mapped is not None:
                    out.append(mapped if nxt == "p" else _negate(mapped))
                    i += 2 + width
                    continue
            table = _INSIDE if in_class else _OUTSIDE
            out.append(table.get(nxt, ch + nxt))
            i += 2
            continue
        if in_class:
            if ch == "]" and not _class_just_opened(out):
                in_class = False
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == "$" and not multiline:
            out.append(r"\Z")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


@lru_cache(maxsize=512)
def go_regex(pattern: str) -> re.Pattern[str]:
    """The compiled pattern; re.error when it is not valid."""
    return re.compile(translate(pattern))


def go_search(pattern: str, value: str) -> bool:
    """Go's regexp.MatchString (unanchored search); an invalid pattern matches nothing."""
    try:
        return go_regex(pattern).search(value) is not None
    except re.error:
        return False


def _unicode_class_name(pattern: str, start: int) -> tuple[str, int]:
    if start < len(pattern) and pattern[start] == "{":
        end = pattern.find("}", start)
        if end != -1:
            return pattern[start + 1 : end], end - start + 1
    return (pattern[start], 1) if start < len(pattern) else ("", 0)


def _negate(char_class: str) -> str:
    if char_class.startswith("[^"):
        return "[" + char_class[2:]
    return "[^" + char_class[1:] if char_class.startswith("[") else char_class.upper()


def _class_just_opened(out: list[str]) -> bool:
    # `[]...]` and `[^]...]`: a `]` right after the opening bracket is a literal.
    return bool(out) and (out[-1] == "[" or (out[-1] == "^" and len(out) > 1 and out[-2] == "["))
