"""Schemathesis over the live OpenAPI document: every operation, generated requests, three callers.

    python -m tests.fuzz.openapi_fuzz [--db sqlite|postgres|both] [--examples N] [--workers N]

For each database a real `bastion serve` is started on a fresh data directory (PostgreSQL: a fresh
schema, dropped afterwards) with typed collections, a user and a superuser; then schemathesis
generates requests from GET /api/openapi.json (examples, coverage and fuzzing phases) as a guest,
as the user and as the superuser (each sees its own document), and checks every answer:

- not_a_server_error: no 5xx, ever;
- response_schema_conformance: the body matches the document's schema for its status;
- status_code_conformance: the status is one the document lists.

It prints the number of requests sent per run (counted from schemathesis's HAR report) and exits
non-zero on any failure; each failure is printed with a curl line to replay it. CI runs it after
the test suite (`make fuzz`); it is not a pytest test because its ≥10,000 requests take minutes.

Left out of the superuser's run, because they change what the run itself stands on (its document,
its credentials, its data directory) or reach outside the machine: settings changes and their
S3/mail tests, collection changes and imports, backups, the superusers' own records, and the
realtime streams (a GET that never ends by design).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.support.serve_process import BASTION, serving

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
PG_DSN = os.environ.get("BASTION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SUPERUSER = ("fuzz-admin@example.com", "fuzz-admin-pass-1")
USER = ("fuzz-user@example.com", "fuzz-user-pass-1")
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"
ALWAYS_EXCLUDED = r"^/api/realtime(/ws)?$"
SUPERUSER_EXCLUDED = (
    r"^/api/(settings.*|backups.*|collections|collections/import|collections/\{[^}]+\}(/truncate)?"
    r"|collections/_superusers/records/\{[^}]+\}|realtime(/ws)?)$"
)

COLLECTIONS = [
    {
        "name": "posts",
        "listRule": "",
        "viewRule": "",
        "createRule": "",
        "updateRule": "",
        "deleteRule": "",
        "fields": [
            {"name": "title", "type": "text", "required": True, "max": 60},
            {"name": "slug", "type": "text", "min": 3, "max": 20, "pattern": "^[a-z0-9-]+$"},
            {"name": "views", "type": "number", "min": 0, "max": 1000000, "onlyInt": True},
            {"name": "score", "type": "number"},
            {"name": "ok", "type": "bool"},
            {"name": "kind", "type": "select", "values": ["news", "blog"], "maxSelect": 1},
            {"name": "tags", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3},
            {"name": "due", "type": "date"},
            {"name": "mail", "type": "email"},
            {"name": "site", "type": "url"},
            {"name": "meta", "type": "json", "maxSize": 2000},
            {"name": "body", "type": "editor"},
            {"name": "where", "type": "geoPoint"},
            {"name": "secret", "type": "text", "hidden": True},
            {"name": "created", "type": "autodate", "onCreate": True},
            {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
        ],
    },
    {
        "name": "notes",
        "listRule": '@request.auth.id != ""',
        "viewRule": "owner = @request.auth.id",
        "createRule": '@request.auth.id != "" && owner = @request.auth.id',
        "updateRule": "owner = @request.auth.id",
        "deleteRule": "owner = @request.auth.id",
        "fields": [
            {"name": "text", "type": "text", "required": True},
            {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
            {"name": "post", "type": "relation", "collectionId": "@posts", "maxSelect": 1},
            {"name": "files", "type": "file", "maxSelect": 2, "maxSize": 100000},
        ],
    },
]


def _setup(base: str) -> dict[str, str]:
    """Collections, a user and some records; answers the callers' Authorization headers."""
    with httpx.Client(base_url=base, timeout=30) as http:

        def sign_in(collection: str, identity: tuple[str, str]) -> str:
            r = http.post(
                f"/api/collections/{collection}/auth-with-password",
                json={"identity": identity[0], "password": identity[1]},
            )
            r.raise_for_status()
            return str(r.json()["token"])

        su = {"Authorization": sign_in("_superusers", SUPERUSER)}
        # a fuzzer is a burst of thousands of requests from one address
        http.patch("/api/settings", headers=su, json={"rateLimits": {"enabled": False}}).raise_for_status()
        ids: dict[str, str] = {}
        for collection in COLLECTIONS:
            body = json.loads(json.dumps(collection).replace('"@posts"', json.dumps(ids.get("posts", ""))))
            r = http.post("/api/collections", headers=su, json=body)
            r.raise_for_status()
            ids[collection["name"]] = r.json()["id"]
        user = http.post(
            "/api/collections/users/records",
            json={"email": USER[0], "password": USER[1], "passwordConfirm": USER[1], "name": "Fuzz"},
        )
        user.raise_for_status()
        user_token = sign_in("users", USER)
        for n in range(5):
            post = http.post("/api/collections/posts/records", json={"title": f"post {n}", "views": n})
            post.raise_for_status()
            note = {"text": f"note {n}", "owner": user.json()["id"], "post": post.json()["id"]}
            http.post(
                "/api/collections/notes/records", headers={"Authorization": user_token}, json=note
            ).raise_for_status()
        return {"guest": "", "user": user_token, "superuser": su["Authorization"]}


def _run_schemathesis(
    base: str, caller: str, token: str, examples: int, workers: int, reports: Path
) -> tuple[int, bool, str]:
    """(requests sent, passed, output) for one caller."""
    har = reports / f"{caller}.har"
    args = [
        SCHEMATHESIS,
        "run",
        f"{base}/api/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(examples),
        "--workers",
        str(workers),
        "--continue-on-failure",
        "--suppress-health-check",
        "all",
        "--exclude-path-regex",
        SUPERUSER_EXCLUDED if caller == "superuser" else ALWAYS_EXCLUDED,
        "--request-timeout",
        "30",
        "--report",
        "har",
        "--report-har-path",
        str(har),
        "--generation-database",
        "none",
    ]
    if token:
        args += ["--header", f"Authorization: {token}"]
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(args, capture_output=True, text=True, timeout=1800, check=False, env=env)
    output = done.stdout + done.stderr
    sent = len(json.loads(har.read_text())["log"]["entries"]) if har.is_file() else 0
    return sent, done.returncode == 0, output


async def _pg_schema(action: str, schema: str) -> None:
    import asyncpg  # a test-tool import: only the PostgreSQL run needs it

    conn = await asyncpg.connect(PG_DSN)
    try:
        if action == "create":
            await conn.execute(f'CREATE SCHEMA "{schema}"')
        else:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def fuzz_one(db: str, examples: int, workers: int) -> tuple[int, bool]:
    work = Path(tempfile.mkdtemp(prefix=f"bastion-fuzz-{db}-"))
    data = work / "data"
    schema = "fz_" + secrets.token_hex(5)
    args: tuple[str, ...] = ()
    if db == "postgres":
        asyncio.run(_pg_schema("create", schema))
        args = ("--db", f"{PG_DSN}?search_path={schema}")
    try:
        subprocess.run(
            [BASTION, "superuser", "upsert", *SUPERUSER, "--dir", str(data), *args],
            check=True,
            capture_output=True,
        )
        # the fuzzer is a burst of thousands of requests from one address: the auth routes' own
        # limits and the login lockout would answer most of them 429 and leave the logic untested
        env = {"BASTION_RATELIMIT_AUTH_BASELINE": "false", "BASTION_LOGIN_LOCKOUT_FAILURES": "0"}
        with serving(data, args=args, env=env) as (proc, base):
            tokens = _setup(base)
            total, passed = 0, True
            for caller, token in tokens.items():
                started = time.monotonic()
                sent, ok, output = _run_schemathesis(base, caller, token, examples, workers, work)
                took = time.monotonic() - started
                total += sent
                passed &= ok
                print(f"[{db}] {caller}: {sent} requests in {took:.0f} s, {'passed' if ok else 'FAILED'}")
                if not ok:
                    print(_failures_only(output))
            if proc.poll() is not None:
                print(f"[{db}] the server died during the run:\n{proc.stderr_so_far()[-3000:]}")
                passed = False
        return total, passed
    finally:
        if db == "postgres":
            asyncio.run(_pg_schema("drop", schema))
        shutil.rmtree(work, ignore_errors=True)


def _failures_only(output: str) -> str:
    """Schemathesis's output from its ERRORS or FAILURES section on (its warnings are not ours)."""
    match = re.search(r"^=+ (ERRORS|FAILURES) =+$", output, re.MULTILINE)
    return output[match.start() :] if match else output[-6000:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--examples", type=int, default=25, help="fuzzing examples per operation")
    # one: schemathesis's worker threads share Hypothesis state and now and then fail inside it
    # ("constructor recursion depth mismatch"), an error of the tool, not of the server
    parser.add_argument("--workers", type=int, default=1, help="concurrent schemathesis workers")
    parser.add_argument("--min-requests", type=int, default=0, help="fail below this many requests in all")
    options = parser.parse_args()
    total, passed = 0, True
    for db in ("sqlite", "postgres") if options.db == "both" else (options.db,):
        sent, ok = fuzz_one(db, options.examples, options.workers)
        total += sent
        passed &= ok
    print(f"schemathesis: {total} requests in all, {'0 failures' if passed else 'FAILURES above'}")
    if total < options.min_requests:
        print(f"fewer requests than the {options.min_requests} asked for")
        return 1
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
