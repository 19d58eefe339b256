"""A PostgreSQL deployment answers backups with a clear 400: pg_dump is the way for now."""

from __future__ import annotations

from pathlib import Path

from bastion.config import Config
from tests.conftest import fresh_pg_schema, signed_in_api


async def test_postgres_backups_are_refused_with_a_pointer_to_pg_dump(tmp_path: Path) -> None:
    async with (
        fresh_pg_schema() as url,
        signed_in_api(Config(data_dir=tmp_path / "data", database_url=url)) as api,
    ):
        for method, url_ in (
            ("POST", "/api/backups"),
            ("POST", "/api/backups/upload"),
            ("POST", "/api/backups/x.zip/restore"),
        ):
            r = await api.su(method, url_)
            assert r.status_code == 400, url_
            assert "pg_dump" in r.json()["message"]
        assert (await api.su("GET", "/api/backups")).json() == []
        r = await api.su("PATCH", "/api/settings", json={"backups": {"cron": "0 3 * * *"}})
        assert r.status_code == 200
        crons = [c["id"] for c in (await api.su("GET", "/api/crons")).json()]
        assert "__pbAutoBackup__" not in crons
