"""Collection field types: one module per family, all sharing `Field` (field_base.py).

Field                      definition <-> PocketBase JSON, value coercion/checks, DB/API forms
 ├── TextField, EditorField, EmailField, URLField      field_text.py
 ├── PasswordField                                    field_password.py
 ├── NumberField                                      field_number.py
 ├── BoolField                                        field_bool.py
 ├── DateField, AutodateField                         field_date.py
 ├── SelectField, RelationField (MultiValueMixin)     field_select.py, field_relation.py
 ├── JSONField                                        field_json.py
 ├── FileField                                        field_file.py
 └── GeoPointField                                    field_geopoint.py
"""

from bastion.core.fields.field_base import (
    DefinitionContext,
    Field,
    FieldValueError,
    ValueContext,
)
from bastion.core.fields.field_bool import BoolField
from bastion.core.fields.field_date import AutodateField, DateField
from bastion.core.fields.field_defaults import auth_system_fields, default_id_field, default_timestamp_fields
from bastion.core.fields.field_file import FileField, UploadedFile
from bastion.core.fields.field_geopoint import GeoPointField
from bastion.core.fields.field_json import JSONField
from bastion.core.fields.field_number import NumberField
from bastion.core.fields.field_password import PasswordField
from bastion.core.fields.field_registry import FIELD_TYPES, field_from_dict, unique_field_id
from bastion.core.fields.field_relation import RelationField
from bastion.core.fields.field_select import SelectField
from bastion.core.fields.field_text import EditorField, EmailField, TextField, URLField

__all__ = [
    "FIELD_TYPES",
    "AutodateField",
    "BoolField",
    "DateField",
    "DefinitionContext",
    "EditorField",
    "EmailField",
    "Field",
    "FieldValueError",
    "FileField",
    "GeoPointField",
    "JSONField",
    "NumberField",
    "PasswordField",
    "RelationField",
    "SelectField",
    "TextField",
    "URLField",
    "UploadedFile",
    "ValueContext",
    "auth_system_fields",
    "default_id_field",
    "default_timestamp_fields",
    "field_from_dict",
    "unique_field_id",
]
