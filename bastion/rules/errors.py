"""The two ways a filter can fail: it doesn't parse, or it names something that doesn't resolve.

Both are ValueErrors with a message fit for a client; the HTTP layer turns them into a 400
("Invalid filter parameters." style) and may put the message in the error data.
"""

from __future__ import annotations

import json


class RuleSyntaxError(ValueError):
    """The expression is not valid filter syntax."""


class RuleResolveError(ValueError):
    """The expression parses but names an unknown/hidden field, a bad modifier or function."""


def go_quote(text: str) -> str:
    """A name quoted as Go's %q quotes it, as PocketBase's messages do: `unknown field "x"`."""
    return json.dumps(text, ensure_ascii=False)
