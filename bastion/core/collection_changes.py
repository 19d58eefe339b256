"""The hook a collection change calls inside its own transaction (automigrate).

With `--automigrate` every collection created, updated or deleted through the API or the
dashboard becomes a migration file (bastion/migrations/automigrate.py). core cannot import the
migrations package (it sits above core), so it defines this protocol and the App hands
CollectionService an implementation only when automigrate is on: otherwise a change pays one
`is None` check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bastion.core.collection_model import Collection
    from bastion.store.database import Executor


class CollectionChangeHook(Protocol):
    async def collection_changed(
        self, tx: Executor, before: Collection | None, after: Collection | None
    ) -> None:
        """Called once a change was written in `tx`, before the commit: a create (`before` is
        None), an update (both) or a delete (`after` is None). Raising rolls the change back.
        Views re-inferred because a collection they read changed are not reported (applying the
        change again re-infers them)."""
