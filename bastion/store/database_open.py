"""Open the database a URL names: PostgreSQL for `postgres(ql)://…`, else SQLite in the data dir.

Apart from database.py so that the implementations, which build on its interface, and this
factory, which knows them both, import one way.
"""

from __future__ import annotations

from pathlib import Path

from bastion.store.database import Database, DatabaseTimeouts
from bastion.store.sqlite import SqliteDatabase


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


async def open_database(
    url: str | None, data_dir: Path, timeouts: DatabaseTimeouts | None = None, pool_size: int = 20
) -> Database:
    """`None` or a `sqlite:` URL opens the embedded database under the data dir; `pool_size` is
    PostgreSQL's most connections."""
    timeouts = timeouts or DatabaseTimeouts()
    if url and is_postgres_url(url):
        # imported here: asyncpg costs every SQLite server's processes ~5 MB for nothing
        from bastion.store.postgres import PostgresDatabase

        return await PostgresDatabase.connect(
            url, min_size=min(2, pool_size), max_size=pool_size, timeouts=timeouts
        )
    path = data_dir / "data.db"
    if url and url.startswith("sqlite:"):
        path = Path(url.removeprefix("sqlite:///").removeprefix("sqlite://").removeprefix("sqlite:"))
    return SqliteDatabase.connect(path, timeouts=timeouts)
