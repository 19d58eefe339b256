"""Automigrate: every collection change made through the API or the dashboard becomes a file.

The App hands CollectionService this hook (core's `CollectionChangeHook`) when automigrate is on
(`--automigrate`, or `--dev`). A create, update or delete records its file as applied in the
change's own transaction (`_migrations`), and the file is written once that transaction
commits: a change that rolls back leaves no file (a file left behind would be applied later as
pending). Only the process that made the change writes the file; a second change within the same
second gets the next second's timestamp (past every file of the folder and every one recorded in
`_migrations`, which other workers' changes fill), so the files sort in the order the changes
were made.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bastion.migrations import files, history, templates

if TYPE_CHECKING:
    from pathlib import Path

    from bastion.core.collection_model import Collection
    from bastion.store.database import Executor

log = logging.getLogger("bastion.migrations")


class Automigrate:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._last = 0  # the last timestamp this process gave (its files may not be written yet)

    async def collection_changed(
        self, tx: Executor, before: Collection | None, after: Collection | None
    ) -> None:
        if (
            before is not None
            and after is not None
            and templates.definition(before) == templates.definition(after)
        ):
            return  # nothing changed (PocketBase writes no file either)
        label, text = templates.change(before, after)
        # after this process's files not yet written and the files other workers recorded
        latest = max(self._last, await history.latest_timestamp(tx))
        name = files.new_file_name(self.directory, label, not_before=latest + 1)
        self._last = int(name.split("_", 1)[0])
        await history.record_applied(tx, name)
        path = self.directory / name

        def write() -> None:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            except OSError as exc:  # the change is committed: say which file is missing
                log.error(
                    "automigrate: cannot write %s (%s); the change is committed and recorded as "
                    "applied, run `bastion migrate history-sync` after fixing the folder",
                    path,
                    exc,
                )

        tx.on_commit(write)
