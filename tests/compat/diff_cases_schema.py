"""Differential cases for the system indexes of auth collections (issue #12): a collection created
with its own `indexes` keeps unique `email` and `tokenKey` indexes, an update cannot drop them,
and identity fields need a unique index of their own."""

from __future__ import annotations

from .diff_compare import Case

MEMBERS = "/api/collections/dc_members"
PASSWORD = "dcpass12345"


def _register(case_id: str, record_id: str) -> Case:
    body = {"id": record_id, "email": "dup@example.com", "password": PASSWORD, "passwordConfirm": PASSWORD}
    return Case(case_id, f"{MEMBERS}/records", method="POST", auth=None, body=body)


def schema_cases() -> list[Case]:
    created = {
        "name": "dc_members",
        "type": "auth",
        "createRule": "",
        "fields": [{"name": "nick", "type": "text"}],
        "indexes": ["CREATE INDEX idx_dc_nick ON dc_members (nick)"],
    }
    return [
        Case("authidx_create_with_indexes", "/api/collections", method="POST", body=created),
        _register("authidx_register_first", "dcm000000000001"),
        _register("authidx_register_same_email", "dcm000000000002"),
        Case("authidx_update_empty_indexes", MEMBERS, method="PATCH", body={"indexes": []}),
        Case(
            "authidx_superusers_empty_indexes",
            "/api/collections/_superusers",
            method="PATCH",
            body={"indexes": []},
        ),
        Case(
            "authidx_identity_without_unique",
            MEMBERS,
            method="PATCH",
            body={"passwordAuth": {"enabled": True, "identityFields": ["email", "nick"]}},
        ),
        Case(
            "authidx_identity_missing_field",
            MEMBERS,
            method="PATCH",
            body={"passwordAuth": {"enabled": True, "identityFields": ["nosuch"]}},
        ),
        Case(
            "authidx_duplicated_index_name",
            MEMBERS,
            method="PATCH",
            body={
                "indexes": [
                    "CREATE INDEX idx_dc_x ON dc_members (nick)",
                    "CREATE INDEX idx_dc_x ON dc_members (verified)",
                ]
            },
        ),
    ]
