"""A small schema and data set, stored in SQLite and PostgreSQL, plus an in-memory record source.

`World.ids(filter, request)` answers the same filter three ways (SQLite, PostgreSQL, evaluator).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Any

from bastion import rules
from bastion.rules.request_info import RequestInfo

ALIAS = "__r"


@dataclass
class F:
    name: str
    type: str = "text"
    hidden: bool = False
    collection_id: str = ""
    multiple: bool = False

    @property
    def is_multiple(self) -> bool:
        return self.multiple


@dataclass
class C:
    id: str
    name: str
    type: str = "base"
    field_list: list[F] = field(default_factory=list)
    rules: dict[str, str | None] = field(default_factory=lambda: {"listRule": ""})

    def get_field(self, name: str) -> F | None:
        return next((f for f in self.field_list if f.name == name), None)

    @property
    def fields(self) -> list[F]:
        return self.field_list


class Schema:
    def __init__(self, collections: list[C]) -> None:
        self.collections = collections

    def find_collection(self, name_or_id: str) -> C | None:
        return next((c for c in self.collections if name_or_id in (c.id, c.name)), None)


def build_schema() -> Schema:
    teams = C("c_teams", "teams", field_list=[F("id"), F("name")])
    users = C(
        "c_users",
        "users",
        "auth",
        [
            F("id"),
            F("email", "email"),
            F("emailVisibility", "bool"),
            F("verified", "bool"),
            F("password", "password", hidden=True),
            F("name"),
            F("role", "select"),
            F("age", "number"),
            F("team", "relation", collection_id="c_teams"),
        ],
    )
    posts = C(
        "c_posts",
        "posts",
        field_list=[
            F("id"),
            F("title"),
            F("views", "number"),
            F("published", "bool"),
            F("tags", "select", multiple=True),
            F("author", "relation", collection_id="c_users"),
            F("reviewers", "relation", collection_id="c_users", multiple=True),
            F("meta", "json"),
            F("created", "date"),
            F("loc", "geoPoint"),
            F("secret", hidden=True),
        ],
    )
    members = C(
        "c_members",
        "members",
        field_list=[
            F("id"),
            F("user", "relation", collection_id="c_users"),
            F("team", "relation", collection_id="c_teams"),
            F("level", "number"),
        ],
    )
    return Schema([teams, users, posts, members])


ROWS: dict[str, list[dict[str, Any]]] = {
    "teams": [{"id": "t1", "name": "Red"}, {"id": "t2", "name": "Blue"}],
    "users": [
        {
            "id": "u1",
            "email": "ann@x.io",
            "emailVisibility": True,
            "verified": True,
            "password": "h1",
            "name": "Ann",
            "role": "admin",
            "age": 30,
            "team": "t1",
        },
        {
            "id": "u2",
            "email": "bob@x.io",
            "emailVisibility": False,
            "verified": False,
            "password": "h2",
            "name": "Bob",
            "role": "user",
            "age": 25,
            "team": "t2",
        },
        {
            "id": "u3",
            "email": "cy@x.io",
            "emailVisibility": True,
            "verified": True,
            "password": "h3",
            "name": "cy",
            "role": "",
            "age": 0,
            "team": "",
        },
    ],
    "posts": [
        {
            "id": "p1",
            "title": "Hello World",
            "views": 10,
            "published": True,
            "tags": ["a", "b"],
            "author": "u1",
            "reviewers": ["u2", "u3"],
            "meta": {"a": 1, "b": {"c": "x"}, "list": [1, 2]},
            "created": "2024-01-02 03:04:05.678Z",
            "loc": {"lon": 23.32, "lat": 42.69},
            "secret": "s1",
        },
        {
            "id": "p2",
            "title": "second_post 100%",
            "views": 5.5,
            "published": False,
            "tags": ["b"],
            "author": "u2",
            "reviewers": ["u2"],
            "meta": {"a": "1", "b": None},
            "created": "2025-06-30 12:00:00.000Z",
            "loc": {"lon": 0, "lat": 0},
            "secret": "s2",
        },
        {
            "id": "p3",
            "title": "",
            "views": 0,
            "published": False,
            "tags": [],
            "author": "",
            "reviewers": [],
            "meta": None,
            "created": "",
            "loc": {"lon": 2.35, "lat": 48.85},
            "secret": "",
        },
        {
            "id": "p4",
            "title": "hello again",
            "views": 100,
            "published": True,
            "tags": ["c"],
            "author": "u3",
            "reviewers": ["u1"],
            "meta": {"a": [1, 2, 3], "t": True},
            "created": "2024-12-31 23:59:59.999Z",
            "loc": {"lon": 0, "lat": 0},
            "secret": "s4",
        },
    ],
    "members": [
        {"id": "m1", "user": "u1", "team": "t1", "level": 1},
        {"id": "m2", "user": "u2", "team": "t1", "level": 2},
        {"id": "m3", "user": "u2", "team": "t2", "level": 3},
    ],
}

_SQLITE_TYPES = {
    "number": "NUMERIC NOT NULL DEFAULT 0",
    "bool": "BOOLEAN NOT NULL DEFAULT FALSE",
    "json": "JSON DEFAULT NULL",
    "geoPoint": 'JSON NOT NULL DEFAULT \'{"lon":0,"lat":0}\'',
}
_PG_TYPES = {
    "number": "DOUBLE PRECISION NOT NULL DEFAULT 0",
    "bool": "BOOLEAN NOT NULL DEFAULT FALSE",
    "json": "JSONB DEFAULT NULL",
    "geoPoint": 'JSONB NOT NULL DEFAULT \'{"lon":0,"lat":0}\'',
}


def column_type(f: F, dialect: str) -> str:
    if f.name == "id":
        return "TEXT PRIMARY KEY NOT NULL"
    if f.is_multiple:
        return "JSON NOT NULL DEFAULT '[]'" if dialect == "sqlite" else "JSONB NOT NULL DEFAULT '[]'::jsonb"
    table = _SQLITE_TYPES if dialect == "sqlite" else _PG_TYPES
    return table.get(f.type, "TEXT NOT NULL DEFAULT ''")


def is_json_col(f: F) -> bool:
    return f.is_multiple or f.type in ("json", "geoPoint")


def storage_value(f: F, v: Any, dialect: str) -> Any:
    if is_json_col(f):
        return None if v is None else json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    if f.type == "bool":
        return bool(v) if dialect == "postgres" else int(bool(v))
    if f.type == "number":
        return float(v) if dialect == "postgres" else v
    return v


def q(name: str) -> str:
    return '"' + name + '"'


def ddl(c: C, dialect: str) -> str:
    cols = ", ".join(f"{q(f.name)} {column_type(f, dialect)}" for f in c.fields)
    return f"CREATE TABLE {q(c.name)} ({cols})"


def insert_sql(c: C, row: dict[str, Any], dialect: str) -> tuple[str, list[Any]]:
    names = [f for f in c.fields if f.name in row]
    marks = []
    for i, f in enumerate(names, 1):
        if dialect == "postgres":
            marks.append(f"${i}::jsonb" if is_json_col(f) else f"${i}")
        else:
            marks.append("?")
    sql = f"INSERT INTO {q(c.name)} ({', '.join(q(f.name) for f in names)}) VALUES ({', '.join(marks)})"
    return sql, [storage_value(f, row[f.name], dialect) for f in names]


class MemorySource:
    def __init__(self, schema: Schema, rows: dict[str, list[dict[str, Any]]]) -> None:
        self.schema = schema
        self.rows = rows

    def _coll(self, name_or_id: str) -> str:
        c = self.schema.find_collection(name_or_id)
        return c.name if c else name_or_id

    def get(self, collection_id_or_name: str, id: str) -> dict[str, Any] | None:
        return next((r for r in self.rows.get(self._coll(collection_id_or_name), []) if r["id"] == id), None)

    def all(self, collection_name: str) -> list[dict[str, Any]]:
        return list(self.rows.get(self._coll(collection_name), []))

    def back_refs(self, collection: str, field: str, id: str) -> list[dict[str, Any]]:
        out = []
        for r in self.rows.get(self._coll(collection), []):
            v = r.get(field)
            if v == id or (isinstance(v, list) and id in v):
                out.append(r)
        return out


def pg_dsn() -> str:
    return os.environ.get("BASTION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


class World:
    """The data in SQLite (in-memory) and, when reachable, in a private PostgreSQL schema."""

    def __init__(self, rows: dict[str, list[dict[str, Any]]] | None = None, *, with_pg: bool = True) -> None:
        self.schema = build_schema()
        self.rows = rows or ROWS
        self.source = MemorySource(self.schema, self.rows)
        self.sqlite = sqlite3.connect(":memory:")
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pg: Any = None
        self.pg_schema = "rules_" + uuid.uuid4().hex[:12]
        for c in self.schema.collections:
            self.sqlite.execute(ddl(c, "sqlite"))
        self._load_sqlite()
        if with_pg:
            self._open_pg()

    def _load_sqlite(self) -> None:
        for c in self.schema.collections:
            self.sqlite.execute(f"DELETE FROM {q(c.name)}")
            for row in self.rows.get(c.name, []):
                self.sqlite.execute(*insert_sql(c, row, "sqlite"))

    def _open_pg(self) -> None:
        import asyncpg

        self.loop = asyncio.new_event_loop()
        try:
            self.pg = self.loop.run_until_complete(asyncpg.connect(pg_dsn(), timeout=5))
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            self.loop.close()
            self.loop = None
            if os.environ.get("BASTION_REQUIRE_SERVICES") == "1":
                raise
            self.pg_error = str(exc)
            return
        self._pg(f"CREATE SCHEMA {self.pg_schema}")
        try:
            self._pg(f"SET search_path TO {self.pg_schema}")
            for c in self.schema.collections:
                self._pg(ddl(c, "postgres"))
            self._load_pg()
        except Exception:
            self.close()
            raise

    def _load_pg(self) -> None:
        for c in self.schema.collections:
            self._pg(f"DELETE FROM {q(c.name)}")
            for row in self.rows.get(c.name, []):
                sql, params = insert_sql(c, row, "postgres")
                self._pg(sql, *params)

    def _pg(self, sql: str, *args: Any) -> Any:
        assert self.loop is not None
        return self.loop.run_until_complete(self.pg.execute(sql, *args))

    def reload(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        self.rows = rows
        self.source = MemorySource(self.schema, rows)
        self._load_sqlite()
        if self.pg is not None:
            self._load_pg()

    def close(self) -> None:
        self.sqlite.close()
        if self.pg is not None and self.loop is not None:
            self._pg(f"DROP SCHEMA {self.pg_schema} CASCADE")
            self.loop.run_until_complete(self.pg.close())
        if self.loop is not None:
            self.loop.close()

    # ---- queries ------------------------------------------------------------------------------

    def coll(self, name: str) -> C:
        c = self.schema.find_collection(name)
        assert c is not None
        return c

    def sql_ids(
        self,
        dialect: str,
        collection: str,
        expr: str,
        request: RequestInfo | None = None,
        allow_hidden: bool = True,
        now: Any = None,
        sort: str = "",
    ) -> list[str]:
        frag = rules.compile_filter(
            expr,
            self.coll(collection),
            self.schema,
            request or RequestInfo(),
            dialect=dialect,
            table_alias=ALIAS,
            allow_hidden=allow_hidden,
            now=now,
        )
        sql = f"SELECT {q(ALIAS)}.id FROM {q(collection)} AS {q(ALIAS)} WHERE {frag.sql}"
        params = list(frag.params)
        if sort:
            plan = rules.compile_sort(
                sort,
                self.coll(collection),
                self.schema,
                request or RequestInfo(),
                dialect=dialect,
                table_alias=ALIAS,
                allow_hidden=allow_hidden,
            )
            sql += " ORDER BY " + plan.order_by
            params += plan.params
        else:
            sql += f" ORDER BY {q(ALIAS)}.id"
        if dialect == "sqlite":
            return [r[0] for r in self.sqlite.execute(sql, params).fetchall()]
        from bastion.store.postgres import to_dollar_params

        assert self.loop is not None
        rows = self.loop.run_until_complete(self.pg.fetch(to_dollar_params(sql), *params))
        return [r[0] for r in rows]

    def eval_ids(
        self,
        collection: str,
        expr: str,
        request: RequestInfo | None = None,
        allow_hidden: bool = True,
        now: Any = None,
    ) -> list[str]:
        coll = self.coll(collection)
        return sorted(
            r["id"]
            for r in self.rows.get(collection, [])
            if rules.evaluate(
                expr,
                r,
                coll,
                self.schema,
                request or RequestInfo(),
                data=self.source,
                now=now,
                allow_hidden=allow_hidden,
            )
        )
