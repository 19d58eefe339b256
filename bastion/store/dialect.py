"""What differs between SQLite and PostgreSQL, as data: callers read a fact instead of testing
the dialect's name, so a difference is written once, here.

Every executor carries its dialect's facts as `executor.sql`; code that only has the dialect's
name (field definitions, which rules/ and DDL call with a name) looks them up in `SQL_DIALECTS`.
SQL that differs in more than a word between the two lives in store/ functions instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from bastion.store.ddl import ROW_ORDER_COLUMN


@dataclass(frozen=True)
class SqlDialect:
    name: str  # "sqlite" | "postgres": what rules/ and the field column types are keyed on
    json_type: str  # the column type of a JSON document
    json_param: str  # the placeholder for a JSON document sent as text
    real_type: str  # the column type of a floating-point number
    booleans_as_integers: bool  # SQLite has no boolean type: a flag is stored as 0/1
    # The column that orders rows by insertion when a sort leaves ties, or None when the
    # database does that by itself (SQLite's rowid).
    tiebreak_column: str | None
    # Parameters in a SELECT with no table to infer their type from need it spelt out.
    params_need_types: bool
    # Statements run on the event loop without suspending (SQLite): concurrent requests never
    # wait on one another's reads, so there is nothing to share between them.
    runs_inline: bool

    def typed_param(self, sql_type: str) -> str:
        """A placeholder carrying `sql_type` (a bare `?` where the database needs no type)."""
        return f"CAST(? AS {sql_type})" if self.params_need_types else "?"

    def json_array_values(self, column: str, alias: str) -> str:
        """A table source yielding the text values of a JSON array column as `alias.value`."""
        if self.name == "sqlite":
            return f"json_each({column}) AS {alias}"
        return f"jsonb_array_elements_text({column}) AS {alias}(value)"


SQLITE = SqlDialect(
    name="sqlite",
    json_type="JSON",
    json_param="?",
    real_type="NUMERIC",
    booleans_as_integers=True,
    tiebreak_column=None,
    params_need_types=False,
    runs_inline=True,
)

POSTGRES = SqlDialect(
    name="postgres",
    json_type="JSONB",
    json_param="?::jsonb",
    real_type="DOUBLE PRECISION",
    booleans_as_integers=False,
    tiebreak_column=ROW_ORDER_COLUMN["postgres"],
    params_need_types=True,
    runs_inline=False,
)

SQL_DIALECTS = {d.name: d for d in (SQLITE, POSTGRES)}
