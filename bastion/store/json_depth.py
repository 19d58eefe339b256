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

    Nesting `limit + 1` levels takes an opening and a closing bracket each, so a shorter document
    (most request bodies) is answered from its length; the others are walked, container by
    container, without recursion (about what decoding them cost; a byte scan of `raw` cost more
    on bodies of long strings).
    """
    if not isinstance(data, (dict, list)) or len(raw) < 2 * (limit + 1):
        return False
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False
