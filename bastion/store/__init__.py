"""The database layer: one small async interface, SQLite and PostgreSQL implementations.

The store knows SQL, connections and transactions, and writes the statements the layers above
need (rows by id or by conditions rules/ compiled, the `_collections` and `_params` tables,
views); it knows nothing of what a collection or a rule means. What differs between SQLite and
PostgreSQL is data on every executor (`db.sql`, dialect.py), and driver errors leave as the
store's own (errors.py). Every statement uses `?` placeholders; the PostgreSQL implementation
rewrites them to `$n`.
"""

from bastion.store.database import Database, Executor
from bastion.store.database_open import open_database

__all__ = ["Database", "Executor", "open_database"]
