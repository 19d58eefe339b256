"""settings.backups.cron schedules PocketBase's `__pbAutoBackup__` on every process; a run writes an
`@auto_pb_backup_…` archive and keeps only the newest `cronMaxKeep` of them."""

from __future__ import annotations

import os
import re
import time

from tests.conftest import ApiClient, second_app, settle_jobs

AUTO = "__pbAutoBackup__"


async def set_backups(api: ApiClient, **backups: object) -> None:
    r = await api.su("PATCH", "/api/settings", json={"backups": backups})
    assert r.status_code == 200, r.text


async def test_the_cron_setting_schedules_the_job_on_every_process(sapi: ApiClient) -> None:
    crons = (await sapi.su("GET", "/api/crons")).json()
    assert AUTO not in [c["id"] for c in crons]
    async with second_app(sapi) as other:
        await set_backups(sapi, cron="0 3 * * *", cronMaxKeep=2)
        crons = (await sapi.su("GET", "/api/crons")).json()
        assert crons[-1] == {"id": AUTO, "expression": "0 3 * * *"}  # after the built-in ones
        await other.refresh_if_stale()  # another worker picks the change up from the database
        entry = other.crons.get(AUTO)
        assert entry is not None and entry.expression == "0 3 * * *"
        await set_backups(sapi, cron="")
        assert AUTO not in [c["id"] for c in (await sapi.su("GET", "/api/crons")).json()]
        await other.refresh_if_stale()
        assert other.crons.get(AUTO) is None


async def test_a_run_backs_up_and_keeps_the_newest_auto_backups(sapi: ApiClient) -> None:
    folder = sapi.app.config.data_dir / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for age, name in ((300, "@auto_pb_backup_acme_old1.zip"), (200, "@auto_pb_backup_acme_old2.zip")):
        (folder / name).write_bytes(b"PK\x03\x04")
        os.utime(folder / name, (now - age, now - age))
    (folder / "manual.zip").write_bytes(b"PK\x03\x04")
    os.utime(folder / "manual.zip", (now - 900, now - 900))
    await set_backups(sapi, cron="0 3 * * *", cronMaxKeep=2)

    assert (await sapi.su("POST", f"/api/crons/{AUTO}")).status_code == 204
    await settle_jobs(sapi.app)

    keys = [b["key"] for b in (await sapi.su("GET", "/api/backups")).json()]
    assert len(keys) == 3 and re.fullmatch(r"@auto_pb_backup_acme_\d{14}\.zip", keys[0])
    assert keys[1:] == ["@auto_pb_backup_acme_old2.zip", "manual.zip"]  # never a manual one
