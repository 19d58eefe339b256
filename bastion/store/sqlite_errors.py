"""SQLite's integrity errors in the store's terms (store/errors.py): which constraint broke, and
the columns its message names (`UNIQUE constraint failed: posts.slug, posts.lang`; an index on
an expression is named instead: `UNIQUE constraint failed: index 'idx_lower_email'`)."""

from __future__ import annotations

import re
import sqlite3

from bastion.store.errors import ConstraintViolation, ForeignKeyViolation, UniqueViolation, describe_db_error

# Extended result codes (sqlite_errorcode) of SQLITE_CONSTRAINT
_UNIQUE_CODES = {1555, 2067}  # SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
_FOREIGN_KEY_CODE = 787  # SQLITE_CONSTRAINT_FOREIGNKEY
_INDEX_NAME = re.compile(r"^index '([^']*)'$")


def constraint_violation(exc: sqlite3.IntegrityError) -> ConstraintViolation:
    code = getattr(exc, "sqlite_errorcode", 0) or 0
    message = describe_db_error(exc)
    kind = ConstraintViolation
    if code in _UNIQUE_CODES:
        kind = UniqueViolation
    elif code == _FOREIGN_KEY_CODE:
        kind = ForeignKeyViolation
    constraint, columns = "", []
    _, _, named = message.partition(" constraint failed: ")
    for part in filter(None, (p.strip() for p in named.split(","))):
        index = _INDEX_NAME.match(part)
        if index:
            constraint = index.group(1)
        else:
            columns.append(part.rpartition(".")[2])
    return kind(message, constraint=constraint, columns=tuple(columns))
