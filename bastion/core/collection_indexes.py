"""A collection's indexes: their checks, the unique indexes an auth collection cannot be without,
and the identity fields that need one.

Sign-in, password reset and OAuth2 linking find an account by its email (or another identity
field), and tokens are keyed by `tokenKey`: with two accounts sharing one, which account a
credential or a mail reaches is left to chance, so the database must refuse duplicates whatever
`indexes` a client sends. As PocketBase 0.40.6 does (checked against the binary): after a create or an update, an auth collection without a single-column
unique index on `tokenKey` (or `email`) gets `idx_tokenKey_<id>` (`idx_email_<id>`, partial on
non-empty emails) appended to its list; one of the client's own takes its place. Every identity
field of an enabled password sign-in needs such an index too (else the change is refused).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bastion.errors import field_error
from bastion.store import ddl

if TYPE_CHECKING:
    from bastion.core.collection_model import Collection

# The columns the system keeps unique, in the order PocketBase appends their indexes.
SYSTEM_UNIQUE_COLUMNS = ("tokenKey", "email")
_INDEX_NAME_MAX = 64  # PocketBase cuts generated index names here


def _index_name(column: str, collection_id: str) -> str:
    return f"idx_{column}_{collection_id}"[:_INDEX_NAME_MAX]


def system_index(column: str, collection_id: str, name: str) -> str:
    """The index PocketBase gives an auth collection for `column` (`tokenKey` or `email`)."""
    sql = f"CREATE UNIQUE INDEX `{_index_name(column, collection_id)}` ON `{name}` (`{column}`)"
    return sql + " WHERE `email` != ''" if column == "email" else sql


def auth_indexes(collection_id: str, name: str) -> list[str]:
    """A new auth collection's indexes."""
    return [system_index(column, collection_id, name) for column in SYSTEM_UNIQUE_COLUMNS]


_COLUMN = re.compile(r"^(.+?)(?:\s+collate\s+(\w+))?(?:\s+(asc|desc))?$", re.IGNORECASE | re.DOTALL)


def index_sql(index: ddl.IndexDef) -> str:
    """`index` written as PocketBase writes the indexes it normalises: backquoted names, one
    column per line when there are several, COLLATE and the sort order kept."""
    columns = []
    for raw in index.columns:
        m = _COLUMN.match(raw.strip())
        name, collate, order = (m.group(1), m.group(2), m.group(3)) if m else (raw, None, None)
        name = name.strip().strip('`"[]')
        column = name if ("(" in name or " " in name) else f"`{name}`"
        column += f" COLLATE {collate}" if collate else ""
        column += f" {order.upper()}" if order else ""
        columns.append(column)
    body = "\n  " + ",\n  ".join(columns) + "\n" if len(columns) > 1 else "".join(columns)
    sql = f"CREATE {'UNIQUE ' if index.unique else ''}INDEX `{index.name}` ON `{index.table}` ({body})"
    return f"{sql} WHERE {index.where}" if index.where else sql


def on_table(sql: str, table: str) -> str:
    """As PocketBase on every save: an index naming another table (the collection was renamed,
    or the client wrote another name) is rewritten for the collection's own table; one that
    cannot be read is left for the validation to report."""
    try:
        index = ddl.parse_index(sql)
    except ValueError:
        return sql
    if index.table == table:
        return sql
    return index_sql(ddl.IndexDef(index.name, table, index.unique, index.columns, index.where))


def renamed(sql: str, old: str, new: str) -> str:
    """`sql` with `old` replaced by `new` in the index's name (not in its columns or condition),
    rewritten as PocketBase writes it when the name changes."""
    try:
        index = ddl.parse_index(sql)
    except ValueError:
        return sql
    if old not in index.name:
        return sql
    return index_sql(
        ddl.IndexDef(index.name.replace(old, new), index.table, index.unique, index.columns, index.where)
    )


def has_unique_index(indexes: list[str], column: str) -> bool:
    """Whether one of `indexes` is a unique index on `column` alone (its WHERE, if any, aside),
    as PocketBase's check reads them."""
    for sql in indexes:
        try:
            index = ddl.parse_index(sql)
        except ValueError:
            continue  # reported by the collection's validation
        if index.unique and len(index.columns) == 1 and index.columns[0].split()[0].lower() == column.lower():
            return True
    return False


def with_auth_indexes(indexes: list[str], collection_id: str, name: str) -> list[str]:
    """`indexes`, plus the system index of every system column none of them keeps unique."""
    missing = [c for c in SYSTEM_UNIQUE_COLUMNS if not has_unique_index(indexes, c)]
    return [*indexes, *(system_index(c, collection_id, name) for c in missing)]


def identity_fields_error(collection: Collection) -> dict[str, Any] | None:
    """PocketBase's error for the `passwordAuth.identityFields` of `collection`, if any: checked
    only while password sign-in is enabled, each field must exist and be unique on its own."""
    password_auth = collection.options.get("passwordAuth") or {}
    if not password_auth.get("enabled"):
        return None
    names = password_auth.get("identityFields") or []
    if not names:
        return field_error("validation_required", "Cannot be blank.")
    for name in names:
        if not isinstance(name, str) or collection.get_field(name) is None:
            return field_error(
                "validation_missing_field", f"Invalid or missing field {name}.", {"fieldName": name}
            )
        if not has_unique_index(collection.indexes, name):
            return field_error(
                "validation_missing_unique_constraint",
                f"The field {name} doesn't have a UNIQUE constraint.",
                {"fieldName": name},
            )
    return None


def index_errors(collection: Collection) -> dict[str, Any]:
    """Validation errors about `collection`'s indexes, in PocketBase's shape:
    `{"indexes": {position: error}}` (the identity fields are checked with the auth options)."""
    errors: dict[str, Any] = {}
    by_position: dict[str, Any] = {}
    seen_names: set[str] = set()
    for i, sql in enumerate(collection.indexes):
        try:
            index = ddl.parse_index(sql)
        except ValueError:
            by_position[str(i)] = field_error(
                "validation_invalid_index_expression", "Invalid CREATE INDEX expression."
            )
            continue
        if any(collection.get_field(c.split()[0]) is None for c in index.columns):
            by_position[str(i)] = field_error(
                "validation_invalid_index_expression", "Invalid CREATE INDEX expression."
            )
        elif index.name.lower() in seen_names:
            by_position[str(i)] = field_error(
                "validation_duplicated_index_name", "The index name already exists."
            )
        seen_names.add(index.name.lower())
    if by_position:
        errors["indexes"] = by_position
    return errors
