"""The query plans a list's cost rests on: a filtered, sorted page of 20 reads an index, never the
whole table (on PostgreSQL its total is counted in the same statement), and a view finds its row
by primary key. A change in the SQL the API writes that
loses one of them turns a near-constant cost into one that grows with the table; these fail then.

The statements are the ones a list request really runs (captured from the database object), and
each is explained on the same database with the same parameters.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bastion.store.database import Database

ROWS = 3000
FILTER = "filter=(views%3E5000%20%26%26%20status%3D%27live%27)&sort=-views&perPage=20"


@pytest.fixture
async def plans(api: Any) -> Any:
    await api.create_collection(
        {
            "name": "plans",
            "listRule": "",
            "viewRule": "",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "views", "type": "number"},
                {"name": "status", "type": "select", "values": ["draft", "live"], "maxSelect": 1},
            ],
            "indexes": ["CREATE INDEX idx_plans_views ON plans (views)"],
        }
    )
    db: Database = api.app.db
    async with db.transaction() as tx:
        for i in range(ROWS):
            await tx.execute(
                'INSERT INTO "plans" ("id", "title", "views", "status") VALUES (?, ?, ?, ?)',
                (f"p{i:014d}", f"post {i}", (i * 7919) % 10000, "live" if i % 3 else "draft"),
            )
    await db.execute("ANALYZE" if db.dialect == "sqlite" else 'ANALYZE "plans"')
    return api


def capture(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...]]]:
    """Every SELECT on `plans` the database object runs from now on (each read ends in fetch_all)."""
    seen: list[tuple[str, tuple[Any, ...]]] = []
    original = db.fetch_all

    async def recording(sql: str, params: Any = ()) -> Any:
        if '"plans"' in sql:
            seen.append((sql, tuple(params)))
        return await original(sql, params)

    monkeypatch.setattr(db, "fetch_all", recording)
    return seen


async def plan_of(db: Database, sql: str, params: tuple[Any, ...]) -> str:
    if db.dialect == "sqlite":
        rows = await db.fetch_all("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(r["detail"]) for r in rows)
    rows = await db.fetch_all("EXPLAIN (FORMAT JSON) " + sql, params)
    plan = next(iter(rows[0].values()))
    return json.dumps(json.loads(plan) if isinstance(plan, str) else plan)


async def test_a_filtered_sorted_page_and_its_total_read_the_index(
    plans: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db: Database = plans.app.db
    seen = capture(db, monkeypatch)
    r = await plans.request("GET", f"/api/collections/plans/records?{FILTER}")
    assert r.status_code == 200, r.text
    assert len(r.json()["items"]) == 20
    page = [(sql, p) for sql, p in seen if "ORDER BY" in sql]
    total = [(sql, p) for sql, p in seen if "COUNT(*)" in sql and "ORDER BY" not in sql]
    if db.dialect == "sqlite":
        assert len(page) == 1 and len(total) == 1, seen
    else:  # one round trip: the total is counted inside the page's statement
        assert len(page) == 1 and not total and "COUNT(*)" in page[0][0], seen
        total = page
    page_plan = await plan_of(db, *page[0])
    total_plan = await plan_of(db, *total[0])
    if db.dialect == "sqlite":
        assert "USING INDEX idx_plans_views" in page_plan, page_plan
        assert "TEMP B-TREE" not in page_plan, page_plan  # no sort of every matching row
        assert "USING INDEX idx_plans_views" in total_plan, total_plan
    else:
        assert '"Index Name": "idx_plans_views"' in page_plan, page_plan
        assert '"Node Type": "Sort"' not in page_plan, page_plan
        # the total: counting half the table, PostgreSQL rightly prefers reading it in order
        assert "Aggregate" in total_plan, total_plan


async def test_a_view_finds_its_row_by_primary_key(plans: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db: Database = plans.app.db
    seen = capture(db, monkeypatch)
    r = await plans.request("GET", f"/api/collections/plans/records/p{7:014d}")
    assert r.status_code == 200, r.text
    assert len(seen) == 1, seen
    plan = await plan_of(db, *seen[0])
    if db.dialect == "sqlite":
        assert plan.startswith("SEARCH") and "INDEX" in plan, plan
    else:
        assert '"Node Type": "Index Scan"' in plan and '"Node Type": "Seq Scan"' not in plan, plan
