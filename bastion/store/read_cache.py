"""Answers kept between requests while nothing has been written: exact, never stale.

SQLite says when anything may have changed: `PRAGMA data_version` changes whenever any other
connection to the file commits, from this process or any other (every worker, `bastion`
commands, a backup restore). So an answer is kept with the version read *before* it was read,
and used again only while the version is the same. A commit between reading the version and
reading the answer makes the kept version stale, so the entry is never used: the cache can be
behind only by missing. After a commit no entry read before it is ever served again.

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
    """Answers by key, each with the version it was read under. Versions of different kinds live
    side by side (SQLite: `data_version` for counts, the auth records' counter for auth
    records), so an entry is checked against its own version, and one outdated is dropped when
    next asked for, or falls out as the oldest once MAX_ENTRIES are kept."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._answers: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()

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
        """The answer kept for `key` if it was read at `version`, else None."""
        found = self._answers.get(key)
        if found is None:
            return None
        if found[0] != version:
            del self._answers[key]
            return None
        self._answers.move_to_end(key)
        return found[1]

    def put(self, key: Hashable, version: Hashable, answer: Any) -> None:
        """Keep `answer` (not None), read after `version` was read."""
        self._answers[key] = (version, answer)
        self._answers.move_to_end(key)
        if len(self._answers) > self._max:
            self._answers.popitem(last=False)
