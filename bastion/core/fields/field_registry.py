"""Field types by PocketBase type name, and building a field from its JSON definition."""

from __future__ import annotations

from typing import Any

from bastion.core.fields.field_base import Field
from bastion.core.fields.field_bool import BoolField
from bastion.core.fields.field_date import AutodateField, DateField
from bastion.core.fields.field_file import FileField
from bastion.core.fields.field_geopoint import GeoPointField
from bastion.core.fields.field_json import JSONField
from bastion.core.fields.field_number import NumberField
from bastion.core.fields.field_password import PasswordField
from bastion.core.fields.field_relation import RelationField
from bastion.core.fields.field_select import SelectField
from bastion.core.fields.field_text import EditorField, EmailField, TextField, URLField
from bastion.core.ids import field_id_for

FIELD_TYPES: dict[str, type[Field]] = {
    cls.type: cls
    for cls in (
        TextField,
        EditorField,
        EmailField,
        URLField,
        PasswordField,
        NumberField,
        BoolField,
        DateField,
        AutodateField,
        SelectField,
        JSONField,
        RelationField,
        FileField,
        GeoPointField,
    )
}


def field_from_dict(data: dict[str, Any]) -> Field:
    """A field from PocketBase's field JSON. Unknown or missing type -> ValueError (PocketBase
    answers "Failed to load the submitted data due to invalid formatting."). A missing id gets
    PocketBase's default, type + crc32(name); making it unique within a collection (PocketBase
    appends 2, 3, ...) is the collection's job, see `unique_field_id`."""
    if not isinstance(data, dict):
        raise ValueError("A field definition must be an object.")
    type_name = data.get("type")
    cls = FIELD_TYPES.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        raise ValueError(f"Missing or unknown field type {data.get('type')!r}.")
    field = cls.from_dict(data)
    if not field.id:
        field.id = field_id_for(field.type, field.name)
    return field


def unique_field_id(field: Field, taken: set[str]) -> str:
    """PocketBase's clash rule for generated ids: base, base2, base3 ... (up to 999)."""
    base = field_id_for(field.type, field.name)
    candidate = base
    for i in range(2, 1000):
        if candidate not in taken:
            break
        candidate = f"{base}{i}"
    return candidate
