"""The database layer: one small async interface, SQLite and PostgreSQL implementations.

The store knows SQL, connections and transactions; it knows nothing of collections or rules.
Every statement uses `?` placeholders; the PostgreSQL implementation rewrites them to `$n`.
"""

from bastion.store.database import Database, Executor
from bastion.store.database_open import open_database

__all__ = ["Database", "Executor", "open_database"]
