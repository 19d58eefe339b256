"""What reading and exporting one list page costs in Python: 20 stored `posts` rows (bench/seed.py's
fields) turned into records (record_model.row_to_record) and then into the API's dicts
(record_export.export_record), no database and no HTTP. The median and best of 15 batches of
500 pages, in µs per page.

    .venv/bin/python bench/record_rows.py [postgres|sqlite]
    taskset -c 1 .venv/bin/python bench/record_rows.py    # steadier on a busy machine
"""

from __future__ import annotations

import statistics
import sys
import time

from bastion.core.collection_model import Collection
from bastion.core.record_access import Access
from bastion.core.record_export import export_record
from bastion.core.record_model import row_to_record

FIELDS = [
    {"id": "f0", "name": "id", "type": "text", "primaryKey": True, "system": True},
    {"id": "f1", "name": "title", "type": "text"},
    {"id": "f2", "name": "views", "type": "number"},
    {"id": "f3", "name": "published", "type": "bool"},
    {"id": "f4", "name": "status", "type": "select", "values": ["draft", "live", "archived"], "maxSelect": 1},
    {"id": "f5", "name": "meta", "type": "json"},
    {"id": "f6", "name": "author", "type": "relation", "collectionId": "pbc_2", "maxSelect": 1},
    {"id": "f7", "name": "created", "type": "autodate", "onCreate": True},
    {"id": "f8", "name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
]


def main() -> None:
    dialect = sys.argv[1] if len(sys.argv) > 1 else "postgres"
    posts = Collection.from_storage(
        {"id": "pbc_1", "name": "posts", "type": "base", "system": False, "fields": FIELDS, "rules": {}}
    )
    stamp = "2026-12-01 10:00:00.123Z"
    rows = [
        {
            "id": f"post{i:011d}",
            "title": f"post {i}",
            "views": 1234.0,
            "published": 1 if dialect == "sqlite" else True,  # SQLite stores booleans as integers
            "status": "live",
            "meta": '{"i": 5, "tags": ["a", "b"]}',
            "author": "author000000001",
            "created": stamp,
            "updated": stamp,
        }
        for i in range(20)
    ]
    guest = Access()

    def page() -> list[dict[str, object]]:
        return [export_record(row_to_record(posts, r, dialect), guest) for r in rows]

    page()
    batches = []
    for _ in range(15):
        start = time.perf_counter()
        for _ in range(500):
            page()
        batches.append((time.perf_counter() - start) / 500 * 1e6)
    print(f"{dialect}: {statistics.median(batches):.1f} µs per 20-row page (best {min(batches):.1f})")


if __name__ == "__main__":
    main()
