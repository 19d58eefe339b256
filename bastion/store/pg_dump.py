"""Dump and restore the PostgreSQL schema Bastion uses, with PostgreSQL's own client tools.

Blocking (subprocesses): run in a thread. Bastion keeps every table in one schema, the
connection's `current_schema()` (`public`, or the URL's `?search_path=`), so a backup is
`pg_dump --schema=<it>` in pg_dump's custom format, and a restore replaces that schema whole:

    psql --single-transaction -v ON_ERROR_STOP=1
        ALTER SCHEMA "s" RENAME TO "s__pb_restore_old";   -- the previous state, kept aside
        <the dump as SQL, from pg_restore: CREATE SCHEMA "s", its tables, rows, indexes>
        DROP SCHEMA "s__pb_restore_old" CASCADE;

One transaction: either the restored schema is in place and the previous one gone, or nothing
changed (a failed statement rolls everything back). The DROP takes every old table's exclusive
lock, so it waits for the transactions under way and holds back new ones until the commit.

The tools take a libpq URL, which knows fewer query parameters than asyncpg's: the others
(`search_path`, server settings) are left out, and the password travels in PGPASSWORD rather
than on a command line that `ps` shows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from bastion.store.database import Database

INSTALL_HINT = "install PostgreSQL's client tools (Debian/Ubuntu: apt install postgresql-client)"
OLD_SUFFIX = "__pb_restore_old"
# libpq's connection parameters that may appear in a URL's query (the rest are asyncpg's)
_LIBPQ_PARAMS = {
    "application_name",
    "channel_binding",
    "connect_timeout",
    "gssencmode",
    "host",
    "hostaddr",
    "keepalives",
    "options",
    "passfile",
    "port",
    "sslcert",
    "sslcrl",
    "sslkey",
    "sslmode",
    "sslpassword",
    "sslrootcert",
    "target_session_attrs",
    "user",
    "dbname",
}


class PgToolError(Exception):
    """A client tool is missing or failed; the message says which and why."""


def tool_path(name: str) -> str:
    """The path of pg_dump / pg_restore / psql; PgToolError saying how to install it if absent."""
    found = shutil.which(name)
    if found is None:
        raise PgToolError(f"{name} was not found on this server's PATH: {INSTALL_HINT}.")
    return found


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """(the URL for libpq without a password or asyncpg-only parameters, the environment that
    carries the password)."""
    parts = urlsplit(url)
    env = dict(os.environ)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hostinfo = netloc.rsplit("@", 1)
        user, _, password = userinfo.partition(":")
        if password:
            env["PGPASSWORD"] = unquote(password)
        netloc = f"{quote(unquote(user), safe='')}@{hostinfo}" if user else hostinfo
    query = [(k, v) for k, v in parse_qsl(parts.query) if k in _LIBPQ_PARAMS]
    in_query = dict(parse_qsl(parts.query)).get("password")
    if in_query is not None:
        env["PGPASSWORD"] = in_query
    return urlunsplit(("postgresql", netloc, parts.path, urlencode(query), "")), env


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _run(args: list[str], env: dict[str, str], what: str, timeout: float) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise PgToolError(f"{what} did not finish within {timeout:g} s") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise PgToolError(f"{what} failed: {' '.join(detail[-3:]) or f'exit status {done.returncode}'}")


def dump_schema(url: str, schema: str, target: Path, *, timeout: float) -> None:
    """Write the schema `schema` (structure and rows) to `target` in pg_dump's custom format."""
    target_url, env = libpq_target(url)
    args = [
        tool_path("pg_dump"),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--schema={_quote_ident(schema)}",
        f"--file={target}",
        f"--dbname={target_url}",
    ]
    _run(args, env, "pg_dump", timeout)


def check_dump(dump: Path, *, timeout: float) -> None:
    """PgToolError unless `dump` is an archive pg_restore can read."""
    _run([tool_path("pg_restore"), "--list", str(dump)], dict(os.environ), "reading the dump", timeout)


def restore_schema(
    url: str, schema: str, dump: Path, work: Path, *, timeout: float, dumped_schema: str | None = None
) -> None:
    """Replace the schema `schema` with the dump's, in one transaction (see the module's doc).
    `dumped_schema`: the schema the dump was taken of, when another; it is created under that
    name, then renamed (the restore fails, changing nothing, if that name is taken)."""
    target_url, env = libpq_target(url)
    script = work / "restore.sql"
    _run(
        [
            tool_path("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            f"--file={script}",
            str(dump),
        ],
        env,
        "pg_restore",
        timeout,
    )
    old = _quote_ident(schema + OLD_SUFFIX)
    args = [
        tool_path("psql"),
        "--no-psqlrc",
        "--quiet",
        "--single-transaction",
        "-v",
        "ON_ERROR_STOP=1",
        f"--dbname={target_url}",
        "-c",
        f"DROP SCHEMA IF EXISTS {old} CASCADE",  # left by a restore that was interrupted
        "-c",
        f"ALTER SCHEMA {_quote_ident(schema)} RENAME TO {old}",
        "-f",
        str(script),
    ]
    if dumped_schema is not None and dumped_schema != schema:
        args += ["-c", f"ALTER SCHEMA {_quote_ident(dumped_schema)} RENAME TO {_quote_ident(schema)}"]
    args += ["-c", f"DROP SCHEMA {old} CASCADE"]
    try:
        _run(args, env, "restoring the dump (psql)", timeout)
    finally:
        script.unlink(missing_ok=True)


async def current_schema(db: Database) -> str:
    """The schema Bastion's tables are in: the first of the connection's search_path."""
    rows = await db.fetch_all("SELECT current_schema() AS name")
    return str(rows[0]["name"])
