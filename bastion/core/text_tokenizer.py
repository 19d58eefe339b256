"""PocketBase's tools/tokenizer: split a list expression on separators outside quotes and brackets.

The `fields` query parameter is read with it (`id,body:excerpt(200,true),expand.author.name`),
and so are a modifier's arguments (`excerpt(200, true)`): a comma inside quotes or parentheses
belongs to its token, and a backslash escapes the character after it.
"""

from __future__ import annotations

__all__ = ["tokenize"]

# Go's tokenizer trims these around each token (minus whichever are separators)
_TOKEN_TRIM = "\t\n\v\f\r \x85\xa0"
_QUOTES = "'\"`"


def tokenize(raw: str, separators: str = ",", ignore_parenthesis: bool = False) -> list[str]:
    """Split on separators outside quotes and (unless ignored) parentheses; PocketBase's
    tools/tokenizer. Empty tokens are skipped; unbalanced input raises ValueError."""
    trim = "".join(c for c in _TOKEN_TRIM if c not in separators)
    tokens: list[str] = []
    buf: list[str] = []
    depth = 0
    quote = ""
    prev = ""

    def flush() -> None:
        if depth > 0 or quote:
            raise ValueError(f"unbalanced parenthesis or quoted expression: {''.join(buf)!r}")
        token = "".join(buf).strip(trim)
        if token:
            tokens.append(token)
        buf.clear()

    for ch in raw:
        if prev != "\\":
            if not ignore_parenthesis and ch == "(" and not quote:
                depth += 1
            elif not ignore_parenthesis and ch == ")" and depth > 0 and not quote:
                depth -= 1
            elif ch in _QUOTES:
                if quote == ch:
                    quote = ""
                elif not quote:
                    quote = ch
        if ch in separators and depth == 0 and not quote:
            flush()
            prev = ""
            continue
        prev = ch
        buf.append(ch)
    if buf or depth or quote:
        flush()
    return tokens
