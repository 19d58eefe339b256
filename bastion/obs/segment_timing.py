"""Attribute time to named segments (db, auth, encode) of the request being served.

The HTTP layer binds the request's `Timings` collector for the duration of a handler; lower layers
(the store) report into whatever is bound, without knowing about HTTP. Outside a request nothing
is bound and reporting costs one context-variable read. Every `db` segment is also one statement
for the metrics (obs/metric_tally.py), in a request or not.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any, Protocol

from bastion.obs.metric_tally import TALLY


class Collector(Protocol):
    def add(self, name: str, seconds: float) -> None: ...


_current: ContextVar[Collector | None] = ContextVar("bastion_segment_timings", default=None)


def bind(collector: Collector | None) -> Token[Collector | None]:
    return _current.set(collector)


def unbind(token: Token[Any]) -> None:
    _current.reset(token)


def add(name: str, seconds: float) -> None:
    if name == "db":
        TALLY.statement(seconds)
    collector = _current.get()
    if collector is not None:
        collector.add(name, seconds)
