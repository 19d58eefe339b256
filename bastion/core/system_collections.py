"""The collections every fresh Bastion has, with the ids PocketBase clients rely on.

`_superusers` must be `pbc_3142635823` (the JS SDK checks it) and the default `users` collection
is `_pb_users_auth_`, as in PocketBase. The `_mfas`, `_otps`, `_externalAuths` and `_authOrigins`
collections hold auth state (the auth issue fills them); their rules let a user see only rows
that reference themselves.
"""

from __future__ import annotations

from collections.abc import Mapping

from bastion.core.auth_options import merge_auth_options
from bastion.core.collection_indexes import auth_indexes
from bastion.core.collection_model import AUTH, BASE, RULE_NAMES, Collection, new_auth_options
from bastion.core.fields import (
    Field,
    FileField,
    PasswordField,
    TextField,
    auth_system_fields,
    default_id_field,
    default_timestamp_fields,
)
from bastion.core.ids import field_id_for

SUPERUSERS_ID = "pbc_3142635823"
USERS_ID = "_pb_users_auth_"
_IMAGE_TYPES = ["image/jpeg", "image/png", "image/svg+xml", "image/gif", "image/webp"]
_OWNER_RULE = (
    "@request.auth.id != '' && recordRef = @request.auth.id && collectionRef = @request.auth.collectionId"
)


def _text(
    name: str, *, required: bool = False, hidden: bool = False, system: bool = True, max_: int = 0
) -> TextField:
    return TextField(
        id=field_id_for("text", name), name=name, system=system, required=required, hidden=hidden, max=max_
    )


def _ref_collection(
    cid: str,
    name: str,
    extra: list[Field],
    index_cols: str,
    rules: Mapping[str, str | None],
    unique: bool = False,
) -> Collection:
    fields = [
        default_id_field(),
        _text("collectionRef", required=True),
        _text("recordRef", required=True),
        *extra,
        *default_timestamp_fields(system=True),
    ]
    index = (
        f"CREATE {'UNIQUE ' if unique else ''}INDEX `idx_{name.lstrip('_')}_{index_cols.replace(', ', '_')}` "
        f"ON `{name}` ({index_cols})"
    )
    return Collection(
        id=cid,
        name=name,
        type=BASE,
        system=True,
        fields=fields,
        indexes=[index],
        rules={r: rules.get(r) for r in RULE_NAMES},
    )


def _superusers() -> Collection:
    return Collection(
        id=SUPERUSERS_ID,
        name="_superusers",
        type=AUTH,
        system=True,
        fields=[default_id_field(), *auth_system_fields(), *default_timestamp_fields(system=True)],
        indexes=auth_indexes(SUPERUSERS_ID, "_superusers"),
        options=merge_auth_options(new_auth_options(), {"authToken": {"duration": 86400}}),
    )


def _users() -> Collection:
    avatar = FileField(
        id=field_id_for("file", "avatar"), name="avatar", max_select=1, mime_types=list(_IMAGE_TYPES)
    )
    mapped = {"id": "", "name": "name", "username": "", "avatarURL": "avatar"}
    own = "id = @request.auth.id"
    return Collection(
        id=USERS_ID,
        name="users",
        type=AUTH,
        fields=[
            default_id_field(),
            *auth_system_fields(),
            _text("name", system=False, max_=255),
            avatar,
            *default_timestamp_fields(system=False),
        ],
        indexes=auth_indexes(USERS_ID, "users"),
        rules={"listRule": own, "viewRule": own, "createRule": "", "updateRule": own, "deleteRule": own},
        options=merge_auth_options(new_auth_options(), {"oauth2": {"mappedFields": mapped}}),
    )


def system_collections() -> list[Collection]:
    """In creation order: the auth-state collections, `_superusers`, then the default `users`."""
    owner = {"listRule": _OWNER_RULE, "viewRule": _OWNER_RULE}
    owner_delete = {**owner, "deleteRule": _OWNER_RULE}
    otp_password = PasswordField(
        id=field_id_for("password", "password"),
        name="password",
        system=True,
        hidden=True,
        required=True,
        cost=8,
    )
    return [
        _ref_collection(
            "pbc_2279338944", "_mfas", [_text("method", required=True)], "collectionRef, recordRef", owner
        ),
        _ref_collection(
            "pbc_1638494021",
            "_otps",
            [otp_password, _text("sentTo", hidden=True)],
            "collectionRef, recordRef",
            owner,
        ),
        _ref_collection(
            "pbc_2281828961",
            "_externalAuths",
            [_text("provider", required=True), _text("providerId", required=True)],
            "collectionRef, recordRef",
            owner_delete,
        ),
        _ref_collection(
            "pbc_4275539003",
            "_authOrigins",
            [_text("fingerprint", required=True)],
            "collectionRef, recordRef, fingerprint",
            owner_delete,
            unique=True,
        ),
        _superusers(),
        _users(),
    ]
