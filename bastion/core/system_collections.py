"""The collections every fresh Bastion has, with the ids PocketBase clients rely on.

`_superusers` must be `pbc_3142635823` (the JS SDK checks it) and the default `users` collection
is `_pb_users_auth_`, as in PocketBase. Field ids are `<type><crc32(name)>` like PocketBase's.
"""

from __future__ import annotations

from typing import Any

from bastion.core.auth_options import merge_auth_options
from bastion.core.collection_model import AUTH, BASE, RULE_NAMES, Collection, new_auth_options
from bastion.core.fields import field_from_dict

SUPERUSERS_ID = "pbc_3142635823"
USERS_ID = "_pb_users_auth_"


def _text(
    fid: str,
    name: str,
    *,
    system: bool = True,
    required: bool = False,
    hidden: bool = False,
    min_: int = 0,
    max_: int = 0,
    pattern: str = "",
    auto: str = "",
    pk: bool = False,
) -> dict[str, Any]:
    return {
        "autogeneratePattern": auto,
        "help": "",
        "hidden": hidden,
        "id": fid,
        "max": max_,
        "min": min_,
        "name": name,
        "pattern": pattern,
        "presentable": False,
        "primaryKey": pk,
        "required": required,
        "system": system,
        "type": "text",
    }


def id_field() -> dict[str, Any]:
    return _text(
        "text3208210256",
        "id",
        required=True,
        min_=15,
        max_=15,
        pattern="^[a-z0-9]+$",
        auto="[a-z0-9]{15}",
        pk=True,
    )


def autodate_fields(system: bool) -> list[dict[str, Any]]:
    return [
        {
            "hidden": False,
            "id": "autodate2990389176",
            "name": "created",
            "onCreate": True,
            "onUpdate": False,
            "presentable": False,
            "system": system,
            "type": "autodate",
        },
        {
            "hidden": False,
            "id": "autodate3332085495",
            "name": "updated",
            "onCreate": True,
            "onUpdate": True,
            "presentable": False,
            "system": system,
            "type": "autodate",
        },
    ]


def auth_fields(password_cost: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "cost": password_cost,
            "help": "",
            "hidden": True,
            "id": "password901924565",
            "max": 0,
            "min": 8,
            "name": "password",
            "pattern": "",
            "presentable": False,
            "required": True,
            "system": True,
            "type": "password",
        },
        _text(
            "text2504183744", "tokenKey", required=True, hidden=True, min_=30, max_=60, auto="[a-zA-Z0-9]{50}"
        ),
        {
            "exceptDomains": [],
            "help": "",
            "hidden": False,
            "id": "email3885137012",
            "name": "email",
            "onlyDomains": [],
            "presentable": False,
            "required": True,
            "system": True,
            "type": "email",
        },
        {
            "help": "",
            "hidden": False,
            "id": "bool1547992806",
            "name": "emailVisibility",
            "presentable": False,
            "required": False,
            "system": True,
            "type": "bool",
        },
        {
            "help": "",
            "hidden": False,
            "id": "bool256245529",
            "name": "verified",
            "presentable": False,
            "required": False,
            "system": True,
            "type": "bool",
        },
    ]


def auth_indexes(collection_id: str, name: str) -> list[str]:
    return [
        f"CREATE UNIQUE INDEX `idx_tokenKey_{collection_id}` ON `{name}` (`tokenKey`)",
        f"CREATE UNIQUE INDEX `idx_email_{collection_id}` ON `{name}` (`email`) WHERE `email` != ''",
    ]


def _collection(
    cid: str,
    name: str,
    ctype: str,
    fields: list[dict[str, Any]],
    *,
    system: bool,
    rules: dict[str, str | None] | None = None,
    indexes: list[str] | None = None,
    options: dict[str, Any] | None = None,
) -> Collection:
    return Collection(
        id=cid,
        name=name,
        type=ctype,
        system=system,
        fields=[field_from_dict(f) for f in fields],
        indexes=indexes or [],
        rules={r: (rules or {}).get(r) for r in RULE_NAMES},
        options=options or {},
    )


_OWNER_RULE = (
    "@request.auth.id != '' && recordRef = @request.auth.id && collectionRef = @request.auth.collectionId"
)


def _ref_collection(
    cid: str,
    name: str,
    extra: list[dict[str, Any]],
    index_cols: str,
    rules: dict[str, str | None],
    unique: bool = False,
) -> Collection:
    fields = [
        id_field(),
        _text("text455797646", "collectionRef", required=True),
        _text("text127846527", "recordRef", required=True),
        *extra,
        *autodate_fields(True),
    ]
    short = name.lstrip("_")
    idx = f"CREATE {'UNIQUE ' if unique else ''}INDEX `idx_{short}_{index_cols.replace(', ', '_')}` ON `{name}` ({index_cols})"
    return _collection(cid, name, BASE, fields, system=True, rules=rules, indexes=[idx])


def system_collections() -> list[Collection]:
    """In creation order: the system collections, then the default `users`."""
    superusers = _collection(
        SUPERUSERS_ID,
        "_superusers",
        AUTH,
        [id_field(), *auth_fields(), *autodate_fields(True)],
        system=True,
        indexes=auth_indexes(SUPERUSERS_ID, "_superusers"),
        options=merge_auth_options(new_auth_options(), {"authToken": {"duration": 86400}}),
    )
    users_options = merge_auth_options(
        new_auth_options(),
        {
            "oauth2": {"mappedFields": {"id": "", "name": "name", "username": "", "avatarURL": "avatar"}},
            "authToken": {"duration": 432000},
        },
    )
    users = _collection(
        USERS_ID,
        "users",
        AUTH,
        [
            id_field(),
            *auth_fields(),
            _text("text1579384326", "name", system=False, max_=255),
            {
                "help": "",
                "hidden": False,
                "id": "file376926767",
                "maxSelect": 1,
                "maxSize": 0,
                "mimeTypes": ["image/jpeg", "image/png", "image/svg+xml", "image/gif", "image/webp"],
                "name": "avatar",
                "presentable": False,
                "protected": False,
                "required": False,
                "system": False,
                "thumbs": [],
                "type": "file",
            },
            *autodate_fields(False),
        ],
        system=False,
        indexes=auth_indexes(USERS_ID, "users"),
        rules={
            "listRule": "id = @request.auth.id",
            "viewRule": "id = @request.auth.id",
            "createRule": "",
            "updateRule": "id = @request.auth.id",
            "deleteRule": "id = @request.auth.id",
        },
        options=users_options,
    )
    owner = {"listRule": _OWNER_RULE, "viewRule": _OWNER_RULE}
    mfas = _ref_collection(
        "pbc_2279338944",
        "_mfas",
        [_text("text1582905952", "method", required=True)],
        "collectionRef, recordRef",
        owner,
    )
    otps = _ref_collection(
        "pbc_1638494021",
        "_otps",
        [
            {
                "cost": 8,
                "help": "",
                "hidden": True,
                "id": "password901924565",
                "max": 0,
                "min": 0,
                "name": "password",
                "pattern": "",
                "presentable": False,
                "required": True,
                "system": True,
                "type": "password",
            },
            _text("text3866985172", "sentTo", hidden=True),
        ],
        "collectionRef, recordRef",
        owner,
    )
    external = _ref_collection(
        "pbc_2281828961",
        "_externalAuths",
        [
            _text("text2462348188", "provider", required=True),
            _text("text1044722854", "providerId", required=True),
        ],
        "collectionRef, recordRef",
        {**owner, "deleteRule": _OWNER_RULE},
    )
    origins = _ref_collection(
        "pbc_4275539003",
        "_authOrigins",
        [_text("text4228609354", "fingerprint", required=True)],
        "collectionRef, recordRef, fingerprint",
        {**owner, "deleteRule": _OWNER_RULE},
        unique=True,
    )
    return [mfas, otps, external, origins, superusers, users]
