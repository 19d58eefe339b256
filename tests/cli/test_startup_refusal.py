"""`bastion serve` on a database it must not serve: one line saying why and what to do, exit 1.

The case: a database written before issue #12 whose auth collection lost its unique email index
and now holds two accounts sharing one email (tests/api/test_auth_indexes.py covers the App).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from bastion.app import App
from bastion.config import Config
from bastion.store.json_codec import dumps, loads
from tests.support.serve_process import BASTION, free_port


async def _old_database_with_twins(data_dir: Path) -> None:
    app = await App(Config(data_dir=data_dir)).start()
    try:
        async with app.db.transaction() as tx:
            row = await tx.fetch_one('SELECT "data" FROM "_collections" WHERE "name" = ?', ("users",))
            data = loads(row["data"])
            data["indexes"] = []
            await tx.execute('UPDATE "_collections" SET "data" = ? WHERE "id" = ?', (dumps(data), data["id"]))
            await tx.execute(f'DROP INDEX "idx_email_{data["id"]}"')
            await tx.execute(f'DROP INDEX "idx_tokenKey_{data["id"]}"')
            for rid in ("a" * 15, "b" * 15):
                await tx.execute(
                    'INSERT INTO "users" ("id", "email", "password", "tokenKey", "emailVisibility", '
                    '"verified", "name", "avatar", "created", "updated") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                    (rid, "twin@example.com", "x", "key" + rid, False, False, "", "", "", ""),
                )
    finally:
        await app.stop()


async def test_serve_refuses_a_database_whose_accounts_share_an_email(tmp_path):
    data = tmp_path / "data"
    await _old_database_with_twins(data)
    r = subprocess.run(
        [BASTION, "serve", "--http", f"127.0.0.1:{free_port()}", "--dir", str(data)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("Error: ") and '"users"' in lines[0] and "twin@example.com" in lines[0]
