"""The system fields PocketBase gives new collections (checked against `POST /api/collections`
of PocketBase 0.40.6): every base/auth collection starts with the `id` field; auth collections
add password, tokenKey, email, emailVisibility and verified, in that order. The API adds no
`created`/`updated` fields on its own; the dashboard adds them to new collections, and PocketBase's
own system collections (`_superusers`, `users` ...) have them."""

from __future__ import annotations

from bastion.core.fields.field_base import Field
from bastion.core.fields.field_bool import BoolField
from bastion.core.fields.field_date import AutodateField
from bastion.core.fields.field_password import PasswordField
from bastion.core.fields.field_text import DEFAULT_ID_PATTERN, EmailField, TextField
from bastion.core.ids import field_id_for


def default_id_field() -> TextField:
    return TextField(
        id=field_id_for("text", "id"),
        name="id",
        system=True,
        primary_key=True,
        required=True,
        min=15,
        max=15,
        pattern=DEFAULT_ID_PATTERN,
        autogenerate_pattern="[a-z0-9]{15}",
    )


def auth_system_fields() -> list[Field]:
    """The fields an auth collection gets after `id`, in PocketBase's order."""
    return [
        PasswordField(
            id=field_id_for("password", "password"),
            name="password",
            system=True,
            hidden=True,
            required=True,
            min=8,
        ),
        TextField(
            id=field_id_for("text", "tokenKey"),
            name="tokenKey",
            system=True,
            hidden=True,
            required=True,
            min=30,
            max=60,
            autogenerate_pattern="[a-zA-Z0-9]{50}",
        ),
        EmailField(id=field_id_for("email", "email"), name="email", system=True, required=True),
        BoolField(id=field_id_for("bool", "emailVisibility"), name="emailVisibility", system=True),
        BoolField(id=field_id_for("bool", "verified"), name="verified", system=True),
    ]


def default_timestamp_fields(system: bool = False) -> list[AutodateField]:
    """`created` and `updated` as the dashboard (system=False) or system collections add them."""
    return [
        AutodateField(id=field_id_for("autodate", "created"), name="created", system=system, on_create=True),
        AutodateField(
            id=field_id_for("autodate", "updated"),
            name="updated",
            system=system,
            on_create=True,
            on_update=True,
        ),
    ]
