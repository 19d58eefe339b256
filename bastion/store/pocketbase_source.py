"""Read a PocketBase (0.23+) `data.db`, opened read-only, for `bastion import-pocketbase`.

PocketBase keeps one row per collection in `_collections` (the definition spread over columns:
`fields`, `indexes`, the five rules, and the other options in `options`), its settings in the
`settings` row of `_params`, and each collection's records in a table of the collection's name
whose columns are the fields, stored as Bastion stores them (text, numbers, JSON text).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bastion.store.ddl import quote

_RULES = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")


class NotPocketBase(ValueError):
    """The folder holds no PocketBase database Bastion can read."""


class PocketBaseSource:
    def __init__(self, data_dir: Path) -> None:
        path = data_dir / "data.db"
        if not path.is_file():
            raise NotPocketBase(f"no PocketBase database in {data_dir} (data.db is missing)")
        try:
            self._conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            self._conn.row_factory = sqlite3.Row
            columns = {r["name"] for r in self._conn.execute("PRAGMA table_info(_collections)")}
        except sqlite3.Error as exc:
            raise NotPocketBase(f"cannot read {path}: {exc}") from None
        if not {"fields", "indexes", "options"} <= columns:
            self._conn.close()
            raise NotPocketBase(
                f"{path} is not a PocketBase 0.23+ database (its _collections table has no fields column)"
            )

    def close(self) -> None:
        self._conn.close()

    def collections(self) -> list[dict[str, Any]]:
        """Every collection as PocketBase's API writes it (`PUT /api/collections/import`'s items),
        in creation order."""
        out = []
        for row in self._conn.execute('SELECT * FROM "_collections" ORDER BY "created", "rowid"'):
            item: dict[str, Any] = dict(json.loads(row["options"] or "{}"))
            item.update(
                {
                    "id": row["id"],
                    "name": row["name"],
                    "type": row["type"],
                    "system": bool(row["system"]),
                    "fields": json.loads(row["fields"] or "[]"),
                    "indexes": json.loads(row["indexes"] or "[]"),
                    "created": row["created"],
                    "updated": row["updated"],
                }
            )
            for rule in _RULES:
                item[rule] = row[rule]
            out.append(item)
        return out

    def param(self, key: str) -> Any:
        """The JSON document under `key` in `_params`; None when missing or not JSON (PocketBase
        encrypts its settings when started with --encryptionEnv)."""
        row = self._conn.execute('SELECT "value" FROM "_params" WHERE "id" = ?', (key,)).fetchone()
        if row is None or not row["value"]:
            return None
        try:
            return json.loads(row["value"])
        except ValueError:
            return None

    def count(self, table: str) -> int:
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {quote(table)}").fetchone()[0])

    def rows(self, table: str, batch: int = 1000) -> Iterator[list[dict[str, Any]]]:
        """The table's rows in insertion order, `batch` at a time (keyset paging on rowid)."""
        last = -1 << 63
        while True:
            found = self._conn.execute(
                f'SELECT "rowid" AS "__rowid", * FROM {quote(table)} WHERE "rowid" > ? ORDER BY "rowid" LIMIT ?',
                (last, batch),
            ).fetchall()
            if not found:
                return
            last = found[-1]["__rowid"]
            yield [{k: r[k] for k in r.keys() if k != "__rowid"} for r in found]  # noqa: SIM118 - a Row iterates its values
