"""What every offline `bastion` command shares: one-line failures, running a coroutine on a usable
data directory, and a progress bar on a terminal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, NoReturn, TypeVar

import click

from bastion.cli.startup_errors import check_data_dir, describe
from bastion.config import Config

T = TypeVar("T")
Progress = Callable[[int, int], None]


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr and a non-zero exit: what start-up failures look like."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def run_on_data_dir(cfg: Config, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `work()` once the data directory is usable; any failure (the directory, the database,
    what the command was asked to write) is one line and exit 1."""
    try:
        check_data_dir(cfg)
        return asyncio.run(work())
    except ValueError as exc:  # what the command was asked to write is not valid
        fail(str(exc))
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if cfg.log_level.lower() == "debug":
            logging.getLogger("bastion.cli").exception("failed")
        fail(describe(exc, cfg))


@contextlib.contextmanager
def progress_bar(label: str, *, in_bytes: bool = False, unit: str = "") -> Iterator[Progress | None]:
    """A rich progress bar on stderr when it is a terminal (items done of the total, followed by
    `unit`, or with `in_bytes` bytes and a speed); None (no bar) otherwise. `update(done, total)`
    may be called from a worker thread."""
    from rich.console import Console  # only these commands draw one
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        ProgressColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    from rich.progress import Progress as Bar

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    counted: tuple[ProgressColumn | str, ...] = (
        (DownloadColumn(), TransferSpeedColumn()) if in_bytes else (MofNCompleteColumn(), unit)
    )
    columns = ("[progress.description]{task.description}", BarColumn(), *counted, TimeRemainingColumn())
    with Bar(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
