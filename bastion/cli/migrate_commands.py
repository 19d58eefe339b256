"""`bastion migrate up | down [N] | create NAME | collections | history-sync` (docs/migrations.md).

As the rest of the command line, the server's modules are imported inside the commands.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bastion.cli.command_support import fail
from bastion.cli.startup_errors import check_data_dir, describe
from bastion.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from bastion.app import App

T = TypeVar("T")
_FLAGS = {"data_dir": "--dir", "database_url": "--db", "migrations_dir": "--migrationsDir"}


def _config(data_dir: Path | None, database_url: str | None, migrations_dir: Path | None) -> Config:
    given = {"data_dir": data_dir, "database_url": database_url, "migrations_dir": migrations_dir}
    try:
        # a migration never writes another one: automigrate is for the server's API
        return load_config(
            {**{k: v for k, v in given.items() if v is not None}, "automigrate": "off"}, flags=_FLAGS
        )
    except ConfigError as exc:
        fail(str(exc), code=2)


def _with_app(cfg: Config, work: Callable[[App], Coroutine[Any, Any, T]]) -> T:
    """Run `work` on a started App; a failed migration or start is one line and exit 1."""
    from bastion.app import App  # the server's modules: see the docstring
    from bastion.migrations import MigrationError

    async def run() -> T:
        app = await App(cfg).start()
        try:
            return await work(app)
        finally:
            await app.stop()

    try:
        check_data_dir(cfg)
        return asyncio.run(run())
    except MigrationError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        fail(describe(exc, cfg))


def _options(f: Any) -> Any:
    f = click.option(
        "--migrationsDir",
        "migrations_dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="the migration files (default: bastion_migrations next to --dir; env BASTION_MIGRATIONS_DIR)",
    )(f)
    f = click.option("--db", "database_url", metavar="URL", help="database URL (env BASTION_DATABASE_URL)")(f)
    return click.option(
        "--dir", "data_dir", type=click.Path(path_type=Path), help="data directory (default ./bastion_data)"
    )(f)


def _said(verb: str) -> Callable[[str], None]:
    """Each file named as soon as it is applied or reverted (a later failure does not hide it)."""
    return lambda name: click.echo(f"{verb} {name}")


@click.group()
def migrate() -> None:
    """Apply, revert and write migration files (Python, in bastion_migrations/).

    `bastion serve` applies the pending ones at start; with --automigrate (on with --dev) every
    collection change made through the API or the dashboard writes one. See docs/migrations.md.
    """


@migrate.command("up")
@_options
def migrate_up(data_dir: Path | None, database_url: str | None, migrations_dir: Path | None) -> None:
    """Apply the pending migrations, in name order, each in its own transaction."""
    cfg = _config(data_dir, database_url, migrations_dir)
    from bastion import migrations

    done = _with_app(cfg, lambda app: migrations.up(app, cfg.migrations_path, _said("Applied")))
    if not done:
        click.echo("No new migrations to apply.")


@migrate.command("down")
@click.argument("count", type=click.IntRange(min=1), default=1, required=False)
@_options
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def migrate_down(
    count: int, data_dir: Path | None, database_url: str | None, migrations_dir: Path | None, yes: bool
) -> None:
    """Revert the last COUNT applied migrations (default 1), the last applied first."""
    cfg = _config(data_dir, database_url, migrations_dir)
    if not yes:
        click.confirm(f"Revert the last {count} applied migration(s)?", abort=True)
    from bastion import migrations

    done = _with_app(cfg, lambda app: migrations.down(app, cfg.migrations_path, count, _said("Reverted")))
    if not done:
        click.echo("No applied migrations to revert.")


@migrate.command("create")
@click.argument("name")
@click.option(
    "--migrationsDir",
    "migrations_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="the migration files (default: bastion_migrations next to --dir)",
)
@click.option(
    "--dir", "data_dir", type=click.Path(path_type=Path), help="data directory (default ./bastion_data)"
)
def migrate_create(name: str, migrations_dir: Path | None, data_dir: Path | None) -> None:
    """Write a blank migration file NAME (its up and down to fill in)."""
    cfg = _config(data_dir, None, migrations_dir)
    from bastion import migrations

    click.echo(f"Created {migrations.create(cfg.migrations_path, name)}")


@migrate.command("collections")
@_options
def migrate_collections(data_dir: Path | None, database_url: str | None, migrations_dir: Path | None) -> None:
    """Write a snapshot migration that makes the collections exactly as they are now."""
    cfg = _config(data_dir, database_url, migrations_dir)
    from bastion import migrations

    made = _with_app(cfg, lambda app: migrations.snapshot(app, cfg.migrations_path))
    click.echo(f"Created {made}")


@migrate.command("history-sync")
@_options
def migrate_history_sync(
    data_dir: Path | None, database_url: str | None, migrations_dir: Path | None
) -> None:
    """Forget the applied migrations whose file no longer exists."""
    cfg = _config(data_dir, database_url, migrations_dir)
    from bastion import migrations

    gone = _with_app(cfg, lambda app: migrations.history_sync(app, cfg.migrations_path))
    for name in gone:
        click.echo(f"Forgot {name}")
    click.echo(f"History synced ({len(gone)} entries removed).")
