"""What select and relation fields share: one value or a list of them (maxSelect > 1), the
`field+` / `+field` / `field-` modifiers, and the single/JSON-array column and storage forms."""

from __future__ import annotations

import json
from typing import Any, ClassVar, Protocol

from bastion.core.fields.field_base import APPEND_OPS, PREPEND_OPS, SUBTRACT_OPS, TEXT_COLUMN
from bastion.core.fields.field_cast import to_unique_strings

MULTI_COLUMN = {
    "sqlite": "JSON DEFAULT '[]' NOT NULL",
    "postgres": "JSONB DEFAULT '[]'::jsonb NOT NULL",
}


class NamedField(Protocol):
    """What a modifier's spelling depends on: the field's name (and its type, for the error)."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...


def modifier_kind(field: NamedField, op: str) -> str:
    """'append' | 'prepend' | 'subtract' for any accepted spelling of a modifier, else ValueError."""
    if op in APPEND_OPS or op == f"{field.name}+":
        return "append"
    if op in PREPEND_OPS or op == f"+{field.name}":
        return "prepend"
    if op in SUBTRACT_OPS or op == f"{field.name}-":
        return "subtract"
    raise ValueError(f"The {field.type} field doesn't support the {op!r} modifier.")


class MultiValueMixin:
    """For dataclass fields with `max_select`; values are str (single) or list[str] (multiple)."""

    max_select: int
    # provided by the Field the mixin is combined with
    name: str
    type: ClassVar[str]

    @property
    def is_multiple(self) -> bool:
        return self.max_select > 1

    def column_sql(self, dialect: str) -> str:
        return MULTI_COLUMN[dialect] if self.is_multiple else TEXT_COLUMN

    def zero_value(self) -> Any:
        return [] if self.is_multiple else ""

    def normalize(self, raw: Any) -> Any:
        if type(raw) is str and "[" not in raw:  # the common case (an id, a value), without lists
            if self.max_select > 1:
                return [raw] if raw else []
            return raw
        items = to_unique_strings(raw)
        if self.is_multiple:
            return items
        return items[-1] if items else ""  # a list for a single field keeps its last item

    def apply_modifier(self, op: str, current: Any, arg: Any) -> Any:
        kind = modifier_kind(self, op)
        have, given = to_unique_strings(current), to_unique_strings(arg)
        if kind == "append":
            return self.normalize(have + given)
        if kind == "prepend":
            return self.normalize(given + have)
        return self.normalize([v for v in have if v not in given])

    def to_db(self, value: Any, dialect: str) -> Any:
        items = to_unique_strings(value)
        if self.is_multiple:
            return json.dumps(items, ensure_ascii=False, separators=(",", ":"))
        return items[-1] if items else ""

    def from_db(self, raw: Any, dialect: str) -> Any:
        return self.normalize(raw)

    def to_api(self, value: Any) -> Any:
        return self.normalize(value)
