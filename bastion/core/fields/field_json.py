"""The json field: any JSON value (null when unset), kept parsed in memory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any

from bastion.core.fields import field_rules as rules
from bastion.core.fields.field_base import Field, fail, required_error
from bastion.core.fields.field_cast import go_num
from bastion.store.dialect import SQL_DIALECTS
from bastion.store.json_depth import MAX_JSON_DEPTH, nests_deeper_than

DEFAULT_JSON_MAX_SIZE = 1 << 20
_JSON_STARTS = '0123456789-"[{'


class TooDeepJson(str):
    """A JSON text (sent as a string value) that nests deeper than MAX_JSON_DEPTH: kept as it came
    so that validation can refuse it, since decoding and re-encoding it would recurse past
    Python's stack (a 500 at ~990 levels)."""


def dumps(value: Any) -> str:
    """Compact JSON text, the form PocketBase stores and measures."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def go_json_value(value: Any) -> Any:
    """A decoded value as Go re-encodes it: object keys sorted, integral floats without `.0`."""
    if isinstance(value, dict):
        return {str(k): go_json_value(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [go_json_value(v) for v in value]
    if isinstance(value, float):
        return go_num(value)
    return value


@dataclass(kw_only=True)
class JSONField(Field):
    type = "json"
    OPTIONS = (("maxSize", "max_size", "int"),)

    max_size: int = 0

    def column_sql(self, dialect: str) -> str:
        return f"{SQL_DIALECTS[dialect].json_type} DEFAULT NULL"

    def zero_value(self) -> Any:
        return None

    def normalize(self, raw: Any) -> Any:
        """Text that is JSON (`"[1,2]"`, `"12"`, `"null"`) is decoded; any other text is kept as a
        JSON string, the same way PocketBase reads form-data and JSON bodies."""
        if isinstance(raw, bytes | bytearray):
            raw = bytes(raw).decode("utf-8", "replace")
        if isinstance(raw, str):
            if raw in ("null", "true", "false") or (raw and raw[0] in _JSON_STARTS):
                try:
                    value = json.loads(raw)
                except RecursionError:
                    return TooDeepJson(raw)
                except ValueError:
                    return raw
                return TooDeepJson(raw) if nests_deeper_than(raw, value) else value
            return raw
        return go_json_value(raw)

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        if isinstance(value, TooDeepJson):
            raise fail(
                "validation_json_too_deep",
                "JSON values may nest at most {{.maxDepth}} levels.",
                {"maxDepth": MAX_JSON_DEPTH},
            )
        limit = self.max_size if self.max_size > 0 else DEFAULT_JSON_MAX_SIZE
        if len(dumps(value).encode("utf-8")) > limit:
            raise fail(
                "validation_json_size_limit",
                "The maximum allowed JSON size is {{.maxSize}} bytes",
                {"maxSize": limit},
            )
        if self.required and value in (None, "", [], {}):
            raise required_error()

    def to_db(self, value: Any, dialect: str) -> Any:
        return None if value is None else dumps(value)

    def from_db(self, raw: Any, dialect: str) -> Any:
        if isinstance(raw, bytes | bytearray):
            raw = bytes(raw).decode("utf-8", "replace")
        if isinstance(raw, str):
            try:
                return json.loads(raw)
            except ValueError:
                return raw
        # Computed columns of a PostgreSQL view (sum(), now() …) arrive as driver objects.
        if isinstance(raw, Decimal):
            return int(raw) if raw == raw.to_integral_value() else float(raw)
        if isinstance(raw, date | time):
            return raw.isoformat()
        return raw

    def _validate_options(self, ctx: Any) -> dict[str, Any]:
        return rules.collect(
            maxSize=rules.first(
                rules.min_rule(self.max_size, 0), rules.max_rule(self.max_size, rules.MAX_SAFE_JSON_INT)
            )
        )
