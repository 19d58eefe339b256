"""The bool field; `required` means "must be true", as in PocketBase."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bastion.core.fields.field_base import Field, required_error
from bastion.core.fields.field_cast import to_bool
from bastion.store.dialect import SQL_DIALECTS


@dataclass(kw_only=True)
class BoolField(Field):
    type = "bool"

    def column_sql(self, dialect: str) -> str:
        return "BOOLEAN DEFAULT FALSE NOT NULL"

    def zero_value(self) -> Any:
        return False

    def normalize(self, raw: Any) -> Any:
        return to_bool(raw)

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        if self.required and not to_bool(value):
            raise required_error()

    def to_db(self, value: Any, dialect: str) -> Any:
        flag = to_bool(value)
        return int(flag) if SQL_DIALECTS[dialect].booleans_as_integers else flag

    def from_db(self, raw: Any, dialect: str) -> Any:
        if isinstance(raw, str):
            return raw.lower() in ("1", "true", "t")
        return bool(raw)
