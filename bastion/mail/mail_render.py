"""Turning an auth collection's mail template into a subject and an HTML body.

Templates are `{"subject", "body"}` with placeholders: `{APP_NAME}` and `{APP_URL}` from the
settings' `meta`, flow values such as `{TOKEN}`, `{OTP}`, `{OTP_ID}`, `{ALERT_INFO}`, and
`{RECORD:<field>}` for every non-hidden field of the auth record (so `{RECORD:tokenKey}` and
`{RECORD:password}` never resolve). Record values are HTML-escaped except for dates, numbers and
booleans, as PocketBase does.

Substitution is a single pass over the template: a value that itself contains a placeholder
(a user named "{TOKEN}") is inserted as written and never expanded. The body is then wrapped in
a small HTML document with inline styles, since most mail clients ignore external stylesheets.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from bastion.core.record_model import Record
from bastion.core.settings_sections import Settings

_PLACEHOLDER = re.compile(r"\{[A-Z_]+(?::[^{}\s]+)?\}")
_UNESCAPED_TYPES = frozenset({"autodate", "date", "bool", "number"})

_LAYOUT = """<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <meta name="viewport" content="width=device-width,initial-scale=1" />
  <style>
    body {{ margin: 0; padding: 20px 30px; color: #16161a; background: #fff;
      font: 14px/20px -apple-system, "Segoe UI", Roboto, sans-serif; }}
    p {{ margin: 10px 0; }}
    a {{ color: inherit; }}
    .btn {{ display: inline-block; padding: 0 20px; line-height: 40px; min-width: 150px;
      text-align: center; border-radius: 6px; font-weight: bold; text-decoration: none !important;
      color: #fff !important; background: #16161a !important; }}
  </style>
</head>
<body>
{content}
</body>
</html>
"""


def go_string(value: Any) -> str:
    """A field value as PocketBase's `GetString` renders it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list):
        return ""  # Go's cast gives up on slices
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def record_placeholders(record: Record) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in record.collection.fields:
        if f.hidden:
            continue
        value = go_string(record.data.get(f.name))
        out["{RECORD:" + f.name + "}"] = value if f.type in _UNESCAPED_TYPES else html.escape(value)
    return out


def substitute(text: str, placeholders: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: placeholders.get(m.group(0), m.group(0)), text)


def render_template(
    template: Mapping[str, Any],
    settings: Settings,
    record: Record,
    values: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """(subject, full HTML document) for `template` filled in for `record`."""
    placeholders = {
        **record_placeholders(record),
        "{APP_NAME}": settings.meta.app_name,
        "{APP_URL}": settings.meta.app_url,
        **(values or {}),
    }
    subject = substitute(str(template.get("subject", "")), placeholders)
    body = substitute(str(template.get("body", "")), placeholders)
    return subject, _LAYOUT.format(content=body)
