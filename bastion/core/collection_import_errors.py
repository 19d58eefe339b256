"""The answer of a failed `PUT /api/collections/import`, in PocketBase 0.40.6's shape (checked with
the binary): one error under `collections`, code `validation_collections_import_failure`, whose
message names the collection and holds its validation errors as indented JSON of raw messages:

    Data validations failed for collection "posts" (pbc_1125843985):
    {
      "listRule": "Invalid rule. Raw error: ..."
    }.

The raw messages are the validation library's, before the API makes sentences of them: its own
ones start in lower case ("cannot be blank"), and some of PocketBase's have no final full stop.
Indexes that cannot be built are the exception (`import_validation_failure`).
"""

from __future__ import annotations

import json
from typing import Any

from bastion.errors import ValidationError, field_error

IMPORT_FAILURE = "validation_collections_import_failure"
IMPORT_MESSAGE = "Failed to import collections."
# ozzo-validation's own errors: lower-case messages without a full stop
_LIBRARY_CODES = frozenset(
    {
        "validation_required",
        "validation_nil_or_not_empty_required",
        "validation_nil",
        "validation_empty",
        "validation_min_greater_equal_than_required",
        "validation_max_less_equal_than_required",
        "validation_length_out_of_range",
        "validation_length_too_long",
        "validation_length_too_short",
        "validation_match_invalid",
        "validation_in_invalid",
        "validation_is_url",
        "validation_is_email",
    }
)
# PocketBase's own messages that end without a full stop
_NO_STOP_CODES = frozenset(
    {
        "validation_invalid_rule",
        "validation_invalid_view_query",
        "validation_missing_field",
        "validation_invalid_value",
        "validation_duplicated_field_name",
        "validation_duplicated_field_id",
    }
)


def import_validation_failure(name: str, collection_id: str, errors: dict[str, Any]) -> ValidationError:
    """The import's answer when collection `name` (`collection_id`) fails its validation.

    PocketBase saves every imported collection before it validates them, so an index it fails to
    build is reported by the save, alone and as it is: `{"indexes": {position: error}}`."""
    indexes = errors.get("indexes")
    if (
        isinstance(indexes, dict)
        and indexes
        and all(
            isinstance(e, dict) and e.get("code") == "validation_invalid_index_expression"
            for e in indexes.values()
        )
    ):
        return ValidationError({"indexes": indexes}, IMPORT_MESSAGE)
    tree = json.dumps(_raw(errors), indent=2, sort_keys=True, ensure_ascii=False)
    tree = tree.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")  # as Go's encoder
    quoted = json.dumps(name, ensure_ascii=False)
    message = f"Data validations failed for collection {quoted} ({collection_id}):\n{tree}."
    return ValidationError({"collections": field_error(IMPORT_FAILURE, message)}, IMPORT_MESSAGE)


def import_load_failure(reason: str) -> ValidationError:
    """The import's answer when an item cannot be read or saved at all."""
    message = f"Failed to import the collections configuration. Raw error:\n{reason}"
    return ValidationError({"collections": field_error(IMPORT_FAILURE, message)}, IMPORT_MESSAGE)


def _raw(errors: Any) -> Any:
    if not isinstance(errors, dict):
        return errors
    if isinstance(errors.get("code"), str) and isinstance(errors.get("message"), str):
        return _raw_message(errors["code"], errors["message"])
    return {key: _raw(value) for key, value in errors.items()}


def _raw_message(code: str, message: str) -> str:
    if code in _LIBRARY_CODES:
        message = message[:1].lower() + message[1:]
    if (code in _LIBRARY_CODES or code in _NO_STOP_CODES) and message.endswith("."):
        message = message[:-1]
    return message
