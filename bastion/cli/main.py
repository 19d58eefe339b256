"""The `bastion` command line: serve, superuser."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import click

from bastion import __version__
from bastion.config import Config, ConfigError, load_config
from bastion.errors import StartupError

_DIR_HELP = "data directory (default ./bastion_data; env BASTION_DATA_DIR)"
_DB_HELP = (
    "database URL, e.g. postgresql://user@host:5432/db (env BASTION_DATABASE_URL; default: SQLite in --dir)"
)


def _config(**overrides: Any) -> Config:
    try:
        return load_config({k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def _run(coro: Any) -> Any:
    """Run `coro`; a database the App refuses to start on is one line and exit status 1."""
    try:
        return asyncio.run(coro)
    except StartupError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="bastion")
def main() -> None:
    """Bastion: a backend in one command (REST API, auth, rules, realtime), PocketBase-compatible.

    Start with `bastion serve`, then create a superuser with `bastion superuser upsert EMAIL PASSWORD`.
    """


@main.command()
@click.option("--http", "http", metavar="HOST:PORT", help="address to listen on (default 127.0.0.1:8090)")
@click.option("--dir", "data_dir", type=click.Path(path_type=Path), help=_DIR_HELP)
@click.option("--db", "database_url", metavar="URL", help=_DB_HELP)
@click.option("--workers", type=int, help="worker processes (default 1; use more only with PostgreSQL)")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, exists=True),
    help="TOML config file (env BASTION_CONFIG)",
)
def serve(
    http: str | None,
    data_dir: Path | None,
    database_url: str | None,
    workers: int | None,
    config_file: Path | None,
) -> None:
    """Start the HTTP server."""
    if config_file is not None:
        os.environ["BASTION_CONFIG"] = str(config_file)
    cfg = _config(http=http, data_dir=data_dir, database_url=database_url, workers=workers)
    # Workers are separate processes that rebuild the config from the environment.
    os.environ.update(
        {
            "BASTION_HTTP": cfg.http,
            "BASTION_DATA_DIR": str(cfg.data_dir.resolve()),
            "BASTION_DATABASE_URL": cfg.database_url,
            "BASTION_WORKERS": str(cfg.workers),
        }
    )
    _run(_prepare(cfg))  # create/upgrade the schema once, before the workers start
    from granian import Granian
    from granian.constants import Interfaces, Loops

    click.echo(
        f"Bastion {__version__} listening on http://{cfg.http}  (REST API: http://{cfg.http}/api/)", err=True
    )
    Granian(
        "bastion.api.server:create",
        factory=True,
        address=cfg.host,
        port=cfg.port,
        interface=Interfaces.ASGI,
        workers=cfg.workers,
        loop=Loops.uvloop,
        backlog=4096,
        backpressure=16384,
        log_access=False,
        log_level="warning",  # type: ignore[arg-type]
        workers_kill_timeout=int(cfg.shutdown_timeout),
    ).serve()


async def _prepare(cfg: Config) -> None:
    from bastion.app import App

    app = App(cfg)
    try:
        await app.start()
    finally:
        await app.stop()


@main.group()
def superuser() -> None:
    """Manage superusers (the `_superusers` auth collection)."""


def _superuser_options(f: Any) -> Any:
    f = click.option("--db", "database_url", metavar="URL", help=_DB_HELP)(f)
    return click.option("--dir", "data_dir", type=click.Path(path_type=Path), help=_DIR_HELP)(f)


@superuser.command("upsert")
@click.argument("email")
@click.argument("password")
@_superuser_options
def superuser_upsert(email: str, password: str, data_dir: Path | None, database_url: str | None) -> None:
    """Create a superuser, or set the password of an existing one."""
    cfg = _config(data_dir=data_dir, database_url=database_url)
    from bastion.core.superusers import upsert_superuser

    try:
        created = _run(upsert_superuser(cfg, email, password))
    except ValueError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f'Successfully {"created" if created else "updated"} superuser "{email}".')


@superuser.command("delete")
@click.argument("email")
@_superuser_options
def superuser_delete(email: str, data_dir: Path | None, database_url: str | None) -> None:
    """Delete a superuser by email."""
    cfg = _config(data_dir=data_dir, database_url=database_url)
    from bastion.core.superusers import delete_superuser

    if not _run(delete_superuser(cfg, email)):
        click.echo(f"Error: no superuser with email {email!r}.", err=True)
        sys.exit(1)
    click.echo(f'Successfully deleted superuser "{email}".')


if __name__ == "__main__":
    main()
