"""Differential cases for how a collection's index definitions are kept: PocketBase rewrites an
index naming another table (the collection was renamed, or the client wrote another name) for the
collection's own table, in its canonical form; and a write that breaks a unique index the
pre-check cannot see through (case-insensitive, partial, several columns) names every column of
that index."""

from __future__ import annotations

from .diff_compare import Case

BEFORE = "/api/collections/dc_idx"
AFTER = "/api/collections/dc_idx_renamed"


def index_cases() -> list[Case]:
    created = {
        "name": "dc_idx",
        "type": "base",
        "createRule": "",
        "updateRule": "",
        "fields": [{"name": "title", "type": "text"}, {"name": "n", "type": "number"}],
        "indexes": [
            "CREATE INDEX idx_dci_title ON dc_idx (title)",
            "create unique index idx_dci_pair on elsewhere (title collate nocase desc, n) where n > 1",
        ],
    }
    return [
        Case("indexes_create_other_table", "/api/collections", method="POST", body=created),
        Case(
            "indexes_first_record",
            f"{BEFORE}/records",
            method="POST",
            auth=None,
            body={"id": "dci000000000001", "title": "x", "n": 2},
        ),
        Case(
            "indexes_other_record",
            f"{BEFORE}/records",
            method="POST",
            auth=None,
            body={"id": "dci000000000002", "title": "y", "n": 2},
        ),
        Case(
            "indexes_case_insensitive_pair_taken",
            f"{BEFORE}/records",
            method="POST",
            auth=None,
            body={"id": "dci000000000003", "title": "X", "n": 2},
        ),
        Case(
            "indexes_update_into_taken_pair",
            f"{BEFORE}/records/dci000000000002",
            method="PATCH",
            auth=None,
            body={"title": "X"},
        ),
        Case("indexes_rename_collection", BEFORE, method="PATCH", body={"name": "dc_idx_renamed"}),
        Case("indexes_view_renamed", AFTER),
        Case("indexes_delete_renamed", AFTER, method="DELETE"),
    ]
