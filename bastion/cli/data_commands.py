"""`bastion export`, `bastion import` and `bastion import-pocketbase`: data in and out of a data
directory from the command line (docs/operations.md, "Import and export").

The work is in cli/record_io.py and cli/pocketbase_import.py, imported inside the commands (they
load the App: see cli/main.py's docstring). Registered on the `bastion` group by main.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from bastion.cli.command_support import fail, progress_bar, run_on_data_dir
from bastion.config import Config, ConfigError, load_config

_DIR_HELP = "data directory (default ./bastion_data; env BASTION_DATA_DIR)"
_DB_HELP = (
    "database URL, e.g. postgresql://user@host:5432/db (env BASTION_DATABASE_URL; default: SQLite in --dir)"
)
_FLAGS = {"data_dir": "--dir", "database_url": "--db"}


def _config(data_dir: Path | None, database_url: str | None) -> Config:
    overrides = {k: v for k, v in (("data_dir", data_dir), ("database_url", database_url)) if v is not None}
    try:
        return load_config(overrides, flags=_FLAGS)
    except ConfigError as exc:
        fail(str(exc), code=2)


def _common(f: Any) -> Any:
    f = click.option("--db", "database_url", metavar="URL", help=_DB_HELP)(f)
    return click.option("--dir", "data_dir", type=click.Path(path_type=Path), help=_DIR_HELP)(f)


@click.command("export")
@click.argument("collection")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="file to write (default stdout)")
@click.option("--filter", "filter_expr", metavar="EXPR", default="", help="the API's filter language")
@click.option(
    "--secrets",
    is_flag=True,
    help="auth collections: also the password hash and tokenKey (import keeps them: same logins)",
)
@_common
def export_command(
    collection: str,
    fmt: str,
    out: Path | None,
    filter_expr: str,
    secrets: bool,
    data_dir: Path | None,
    database_url: str | None,
) -> None:
    """Write the records of COLLECTION in id order, as a superuser's API answers them.

    Hidden fields are included (this is an operator's command); an auth record's password hash
    and tokenKey only with --secrets (keep such a file as safe as the database). File fields
    hold the file names only. One JSON object a line (jsonl), or CSV with a header of the field
    names (lists and JSON values as JSON text).
    """
    cfg = _config(data_dir, database_url)
    from bastion.cli.record_io import export_records, open_output  # the App: see the docstring

    handle = open_output(out)
    try:
        with progress_bar("Exporting", unit="records") as progress:
            n = run_on_data_dir(
                cfg,
                lambda: export_records(
                    cfg, collection, handle, fmt, filter_expr, progress, with_secrets=secrets
                ),
            )
    finally:
        handle.flush()
        if out is not None:
            handle.close()
    if out is not None:
        click.echo(f"Exported {n} records of {collection} to {out}.", err=True)


@click.command("import")
@click.argument("collection")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), help="default: from FILE's suffix")
@click.option(
    "--mode",
    type=click.Choice(["create", "upsert"]),
    default="create",
    show_default=True,
    help="upsert: a row whose id exists updates that record",
)
@click.option("--resume", is_flag=True, help="continue after the last committed line of a previous run")
@click.option(
    "--batch-size", type=click.IntRange(1), default=500, show_default=True, help="rows per transaction"
)
@click.option("--stop-after", type=click.IntRange(1), hidden=True, help="stop after N batches (tests)")
@_common
def import_command(
    collection: str,
    file: Path,
    fmt: str | None,
    mode: str,
    resume: bool,
    batch_size: int,
    stop_after: int | None,
    data_dir: Path | None,
    database_url: str | None,
) -> None:
    """Create (or, with --mode upsert, update) records of COLLECTION from FILE (jsonl or csv).

    Each row is validated as the API validates a create or an update by a superuser; rejected
    rows, with their reasons, are written to FILE.rejected.jsonl. Rows are committed in batches;
    FILE.import-state.json records the last committed line, from which --resume continues.
    Exits 1 when any row was rejected.
    """
    cfg = _config(data_dir, database_url)
    from bastion.cli import record_io  # the App: see the docstring

    chosen = record_io.guess_format(file, fmt)
    with progress_bar("Importing", unit="lines") as progress:
        result = run_on_data_dir(
            cfg,
            lambda: record_io.import_records(
                cfg,
                collection,
                file,
                chosen,
                mode=mode,
                resume=resume,
                batch_size=batch_size,
                stop_after=stop_after,
                progress=progress,
            ),
        )
    state = "" if result.finished else f" (stopped after line {result.last_line}: --resume continues)"
    click.echo(f"Imported {result.imported}, updated {result.updated}, rejected {result.rejected}{state}.")
    if result.rejected:
        for reason in result.reasons:
            click.echo(f"  {reason}")
        if result.rejected > len(result.reasons):
            click.echo(f"  … {result.rejected - len(result.reasons)} more")
        click.echo(f"Rejected rows and their reasons: {record_io.rejected_path(file)}")
        sys.exit(1)


@click.command("import-pocketbase")
@click.argument("pb_data_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@_common
@click.option("--force", is_flag=True, help="import into a data directory that is not empty")
def import_pocketbase_command(
    pb_data_dir: Path, data_dir: Path | None, database_url: str | None, force: bool
) -> None:
    """Make a Bastion data directory from a PocketBase 0.23+ data folder (pb_data).

    Collections, records, files, settings, superusers and users with their password hashes (they
    sign in with their old password) are carried over; see "Import and export" in
    docs/operations.md for what is not. Stop PocketBase first. The Bastion data directory must
    be new or empty unless --force.
    """
    cfg = _config(data_dir, database_url)
    from bastion.cli.pocketbase_import import import_pocketbase  # the App: see the docstring

    with progress_bar("Copying records", unit="records") as progress:
        done = run_on_data_dir(
            cfg, lambda: import_pocketbase(cfg, pb_data_dir, force=force, progress=progress)
        )
    records = sum(done.records.values())
    click.echo(
        f"Imported {done.collections} collections, {records} records and {done.files} files "
        f"from {pb_data_dir} into {cfg.data_dir}."
    )
    for name, n in done.records.items():
        click.echo(f"  {name}: {n}")
    for note in done.notes:
        click.echo(f"Note: {note}")


COMMANDS = [export_command, import_command, import_pocketbase_command]
