"""The base of every field type: definition (options <-> PocketBase JSON), value handling
(coercion, modifiers, checks) and the database / API representations of a value.

A field definition is a small dataclass; its JSON is the flat object PocketBase returns inside
`collection.fields` (all options present, keys sorted as PocketBase's encoder sorts them).
Values live in memory in the shape the API returns them (text, float, bool, PB date text, lists
of ids ...); `to_db`/`from_db` convert at the store's edge, per dialect.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from bastion.core.datetime_format import normalize_dt
from bastion.core.fields import field_rules as rules
from bastion.core.fields.field_cast import to_string

TEXT_COLUMN = "TEXT DEFAULT '' NOT NULL"

# Modifier spellings accepted by `apply_modifier` (the lead's short forms and readable ones).
APPEND_OPS = ("+", "append", "field+")
PREPEND_OPS = ("prefix+", "prepend", "+field")
SUBTRACT_OPS = ("-", "subtract", "remove", "field-")
AUTOGENERATE_OPS = (":autogenerate", "autogenerate")


class FieldValueError(Exception):
    """A record value failed a field's check. `message` is final client text ("Cannot be blank.")."""

    def __init__(self, code: str, message: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params

    @classmethod
    def of(cls, entry: dict[str, Any]) -> FieldValueError:
        return cls(entry["code"], entry["message"], entry.get("params"))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.params:
            out["params"] = self.params
        return out


def fail(code: str, template: str, params: dict[str, Any] | None = None) -> FieldValueError:
    return FieldValueError.of(rules.error(code, template, params))


def required_error() -> FieldValueError:
    return FieldValueError.of(rules.required())


class ValueContext(Protocol):
    """What `validate_value` may ask of the record being saved. Only `is_new` is needed by
    every type; the others are looked up with getattr, so a context may leave them out:
      existing_relation_ids(collection_id, ids) -> set[str]   relation ids that exist
      find_collection(id_or_name) -> object | None             relation target lookup
      original_value(field_name) -> Any                        last saved value (or `record.original`)
      pk_exists(value) -> bool                                 case-insensitive id clash (custom id patterns)
    """

    is_new: bool


class DefinitionContext(Protocol):
    """What `validate_definition` may ask of the collection being saved (getattr, all optional):
    fields: Sequence[Field]                   the collection's new field list
    is_view: bool
    find_collection(id_or_name) -> object | None   with `.id` and `.type` / `.is_view`
    old_field(field_id) -> Field | None       this field as saved before (None when new)
    """


@dataclass(kw_only=True)
class Field:
    type: ClassVar[str] = ""
    # Type-specific options: (JSON key, attribute, kind) with kind one of
    # str | bool | int | strlist | optfloat | date.
    OPTIONS: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    HAS_HELP: ClassVar[bool] = True
    HAS_REQUIRED: ClassVar[bool] = True

    id: str = ""
    name: str = ""
    system: bool = False
    hidden: bool = False
    presentable: bool = False
    help: str = ""
    required: bool = False
    collection_id: str = ""  # relation target; empty on every other type

    # ---- definition ----------------------------------------------------------------------------

    @property
    def is_multiple(self) -> bool:
        return False

    def _specs(self) -> list[tuple[str, str, str]]:
        specs = [
            ("hidden", "hidden", "bool"),
            ("id", "id", "str"),
            ("name", "name", "str"),
            ("presentable", "presentable", "bool"),
            ("system", "system", "bool"),
        ]
        if self.HAS_HELP:
            specs.append(("help", "help", "str"))
        if self.HAS_REQUIRED:
            specs.append(("required", "required", "bool"))
        return specs + list(self.OPTIONS)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        for key, attr, kind in self._specs():
            value = getattr(self, attr)
            out[key] = list(value) if kind == "strlist" else value
        return dict(sorted(out.items()))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Field:
        """Build from PocketBase field JSON; unknown keys are ignored, wrong types raise ValueError."""
        field = cls()
        for key, attr, kind in field._specs():
            if key in data:
                setattr(field, attr, _load(key, kind, data[key]))
        return field

    def copy(self) -> Field:
        return dataclasses.replace(self)

    def validate_definition(self, ctx: Any = None) -> dict[str, Any]:
        """PocketBase-shaped errors for the options, {option: {code, message[, params]}}."""
        return rules.collect(
            id=rules.id_error(self.id),
            name=rules.name_error(self.name),
            help=rules.help_error(self.help) if self.HAS_HELP else None,
        ) | self._validate_options(ctx)

    def _validate_options(self, ctx: Any) -> dict[str, Any]:
        return {}

    def column_sql(self, dialect: str) -> str:
        return TEXT_COLUMN

    # ---- values --------------------------------------------------------------------------------

    def zero_value(self) -> Any:
        return ""

    def normalize(self, raw: Any) -> Any:
        return to_string(raw)

    def apply_modifier(self, op: str, current: Any, arg: Any) -> Any:
        raise ValueError(f"The {self.type} field doesn't support the {op!r} modifier.")

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        if self.required and not value:
            raise required_error()

    def to_db(self, value: Any, dialect: str) -> Any:
        return value

    def from_db(self, raw: Any, dialect: str) -> Any:
        return self.normalize(raw)

    def to_api(self, value: Any) -> Any:
        return value


def _load(key: str, kind: str, value: Any) -> Any:
    """Go's JSON decoding into the typed option: null keeps the zero value, a wrong type fails."""
    bad = ValueError(f"Invalid value for field option {key!r}.")
    if kind == "str":
        if value is None:
            return ""
        if not isinstance(value, str):
            raise bad
        return value
    if kind == "bool":
        if value is None:
            return False
        if not isinstance(value, bool):
            raise bad
        return value
    if kind == "int":
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise bad
        return int(value)
    if kind == "optfloat":
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad
        return float(value)
    if kind == "strlist":
        if value is None:
            return []
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise bad
        return list(value)
    if kind == "date":
        if value is None:
            return ""
        if not isinstance(value, str):
            raise bad
        return normalize_dt(value)
    raise AssertionError(kind)


def original_value(ctx: Any, name: str) -> Any:
    """The field's last saved value from whichever hook the context offers (None when new)."""
    if ctx is None:
        return None
    getter = getattr(ctx, "original_value", None)
    if callable(getter):
        return getter(name)
    record = getattr(ctx, "record", None)
    original = getattr(record, "original", None)
    if isinstance(original, dict):
        return original.get(name)
    return None


def context_fields(ctx: Any) -> Sequence[Field]:
    return getattr(ctx, "fields", None) or ()
