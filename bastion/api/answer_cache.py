"""Record views and lists answered again from memory while nothing has committed (SQLite).

A view or list answer is a function of the database (the records, the collections, the caller's
auth record, the settings: every one of them changes only by a commit), of who asks and of the
query string. SQLite says when anything committed (`PRAGMA data_version`, store/read_cache.py),
so an answer kept with the version read *before* it was computed is exact while the version
holds: a commit anywhere, by any worker or tool, empties the cache. What an answer can depend on
besides is excluded, and such reads are computed every time:

- the clock and chance: a rule, filter or sort with a macro (`@now`, `@todayStart`, `@random` …)
  or `strftime`; a view collection (its SQL may read the clock);
- the request beyond its caller: `@request.headers`, `.query`, `.body`, `.method`, `.context` in
  a rule or filter (only `@request.auth.*` and `@collection.*` are data);
- anything but a successful JSON answer, or one over MAX_BODY.

The rules a read judges (every collection's listRule and viewRule, since an expand reaches other
collections', and auth collections' manageRule, which shows emails) are checked for the whole
schema at once, once per schema: one such rule switches the cache off for every read. Write
rules are not read by a view or list (a common `@request.body.x:isset = false` in an updateRule
leaves reads cached).
Hooks cannot change a view or list (there are no read hooks), and the layers around the handler
(rate limits, the request log, ETags, compression, MessagePack/protobuf answers) still run for
every request. PostgreSQL has no such version: nothing is kept there.

Measured in-process (bench/inprocess.py, 1,000 posts, in units of the same run's health cost): a
view with a user's token 2.6 → 1.7, an anonymous view 2.0 → 1.65.
"""

from __future__ import annotations

import re
from collections.abc import Hashable

from starlette.responses import Response

from bastion.app import App
from bastion.core.collection_model import Collection
from bastion.core.record_access import Access
from bastion.store.read_cache import ReadCache

MAX_BODY = 32 << 10  # a kept answer's size at most: the cache holds MAX_ENTRIES × this
MAX_ENTRIES = 256  # per process: 8 MiB at most
# An @-name that is not data (any but @request.auth.* and @collection.*), or SQLite's clock.
_VOLATILE = re.compile(r"@(?!request\.auth\.|collection\.)[A-Za-z_]|strftime", re.IGNORECASE)
_STEADY_KEY = ("answer cache: the schema's rules read only data",)


class AnswerCache:
    def __init__(self) -> None:
        self._kept = ReadCache(MAX_ENTRIES)

    def key(
        self, app: App, collection: Collection, access: Access, kind: str, record_id: str | None, query: bytes
    ) -> Hashable | None:
        """The answer's key (`query`: the raw query string), or None when it must be computed (see
        the module's doc)."""
        if collection.is_view or not _schema_steady(app):
            return None
        for param in ("filter", "sort"):
            value = access.query.get(param)
            if value and _VOLATILE.search(str(value)):
                return None
        auth = access.auth
        who = (auth.collection.id, auth.id) if auth is not None else None
        return (kind, collection.id, record_id, who, query)

    def recall(self, key: Hashable, version: int) -> Response | None:
        body = self._kept.get(key, version)
        return None if body is None else Response(body, media_type="application/json")

    def keep(self, key: Hashable, version: int, response: Response) -> None:
        if response.status_code == 200 and len(response.body) <= MAX_BODY:
            self._kept.put(key, version, bytes(response.body))


def _schema_steady(app: App) -> bool:
    """No rule a read judges reads the clock or the request, and no view collection exists."""
    registry = app.registry
    steady = registry.memo.get(_STEADY_KEY)
    if steady is None:
        steady = not any(
            c.is_view or any(_VOLATILE.search(rule or "") for rule in _rules_of(c)) for c in registry.all()
        )
        registry.remember(_STEADY_KEY, steady)
    return bool(steady)


def _rules_of(collection: Collection) -> list[str | None]:
    """The rules a view or list judges for this collection's records (an expand's included)."""
    manage = collection.rule("manageRule") if collection.is_auth else None
    return [collection.rule("listRule"), collection.rule("viewRule"), manage]
