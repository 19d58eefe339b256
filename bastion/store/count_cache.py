"""Exact list totals without counting again while nothing has been written.

A list's total (`SELECT COUNT(*) … WHERE filter AND rule`) is most of a filtered list's cost on
SQLite: 20 rows come from an index in microseconds, while counting the ~1,700 of 10,000 rows that
match reads them all (about 1.2 ms, bench/inprocess.py). The same count asked again gives the same
number until something commits, and SQLite says when that happens: `PRAGMA data_version` changes
whenever any other connection to the file commits, from this process or any other (every worker,
`bastion` commands, a backup restore). So a count is kept with the version read *before* it ran,
and used again only while the version is the same. A commit between reading the version and
counting makes the kept version stale, so the entry is never used: the cache can be behind only
by being empty.

Counts that depend on the clock are not kept: a `strftime` over 'now' changes with no commit.
Filter macros (`@now`, `@todayStart`, …) are parameters, part of the key, so they are safe.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

MAX_ENTRIES = 512  # per process: a key is a statement and its parameters, a few hundred bytes


class CountCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._version: int | None = None
        self._counts: OrderedDict[tuple[str, tuple[Any, ...]], int] = OrderedDict()

    @staticmethod
    def key_for(sql: str, params: Sequence[Any]) -> tuple[str, tuple[Any, ...]] | None:
        """The entry's key, or None for a count that must run every time."""
        if "strftime" in sql.lower():
            return None
        try:
            key = (sql, tuple(params))
            hash(key)
        except TypeError:  # an unhashable parameter (a list): rare, and simply not kept
            return None
        return key

    def get(self, key: tuple[str, tuple[Any, ...]], version: int) -> int | None:
        """The count kept for `key`, if the database is still at `version`."""
        if version != self._version:
            self._counts.clear()
            self._version = None
            return None
        found = self._counts.get(key)
        if found is not None:
            self._counts.move_to_end(key)
        return found

    def put(self, key: tuple[str, tuple[Any, ...]], version: int, count: int) -> None:
        """Keep `count`, counted after `version` was read."""
        if version != self._version:
            self._counts.clear()
            self._version = version
        self._counts[key] = count
        if len(self._counts) > self._max:
            self._counts.popitem(last=False)
