"""Answers kept between requests while nothing has been written: exact, never stale.

SQLite says when anything may have changed: `PRAGMA data_version` changes whenever any other
connection to the file commits, from this process or any other (every worker, `bastion`
commands, a backup restore). So an answer is kept with the version read *before* it was read,
and used again only while the version is the same. A commit between reading the version and
reading the answer makes the kept version stale, so the entry is never used: the cache can be
behind only by being empty. Every commit empties it.

What it keeps (SqliteDatabase):
- a list's total (`SELECT COUNT(*) … WHERE filter AND rule`), most of a filtered list's cost: 20
  rows come from an index in microseconds, while counting the ~1,700 of 10,000 rows that match
  reads them all (about 1.2 ms, bench/inprocess.py). Counts that depend on the clock are not
  kept: a `strftime` over 'now' changes with no commit. Filter macros (`@now`, `@todayStart`, …)
  are parameters, part of the key, so they are safe;
- the auth record a token names (auth/auth_record.py), when its table lacks the triggers that
  count auth record writes (store/auth_version.py); with them it is kept under that counter.
PostgreSQL has no such version. It keeps only auth records, under that counter.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any

MAX_ENTRIES = 1024  # per process: a key is a statement and its parameters, or a record's ids


class ReadCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._version: Hashable | None = None
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()

    @staticmethod
    def count_key(sql: str, params: Sequence[Any]) -> Hashable | None:
        """A count's key, or None for a count that must run every time."""
        if "strftime" in sql.lower():
            return None
        try:
            key = ("count", sql, tuple(params))
            hash(key)
        except TypeError:  # an unhashable parameter (a list): rare, and simply not kept
            return None
        return key

    def get(self, key: Hashable, version: Hashable) -> Any:
        """The answer kept for `key` if the database is still at `version`, else None."""
        if version != self._version:
            self._answers.clear()
            self._version = None
            return None
        found = self._answers.get(key)
        if found is not None:
            self._answers.move_to_end(key)
        return found

    def put(self, key: Hashable, version: Hashable, answer: Any) -> None:
        """Keep `answer` (not None), read after `version` was read."""
        if version != self._version:
            self._answers.clear()
            self._version = version
        self._answers[key] = answer
        if len(self._answers) > self._max:
            self._answers.popitem(last=False)
