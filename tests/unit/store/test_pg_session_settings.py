"""Every PostgreSQL connection Bastion opens carries its session settings."""

from __future__ import annotations

from bastion.store.database import DatabaseTimeouts
from bastion.store.postgres import PostgresDatabase
from tests.conftest import fresh_pg_schema


async def test_connections_run_without_jit_and_with_the_statement_timeout() -> None:
    # JIT compilation of a large filter expression ignored cancel and terminate for minutes
    async with fresh_pg_schema() as url:
        db = await PostgresDatabase.connect(url, timeouts=DatabaseTimeouts(statement=7.5))
        try:
            assert await db.fetch_val("SHOW jit") == "off"
            assert await db.fetch_val("SHOW statement_timeout") == "7500ms"
        finally:
            await db.close()
