"""How deep a client's JSON may nest: one bound for every place that decodes what a client sent.

PocketBase's decoder stops at 10,000 levels. Bastion validates, stores and renders values with
code that recurses on Python's stack (about 1,000 frames), so a client must not choose that depth:
a body nested 500 levels answered 500. 256 levels is far beyond any real document (editor JSON,
nested settings) and leaves the recursive code ample room.
"""

from __future__ import annotations

from typing import Any

MAX_JSON_DEPTH = 256


def nests_deeper_than(raw: bytes | str, data: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `data`, decoded from `raw`, nests arrays and objects more than `limit` levels deep.

    A document with no more brackets than `limit` (strings included) cannot, and is answered
    from two counts in C; only the others are walked, without recursion.
    """
    if not isinstance(data, dict | list):
        return False
    text = raw.encode() if isinstance(raw, str) else raw
    if text.count(b"[") + text.count(b"{") <= limit:
        return False
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False
