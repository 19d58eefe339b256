"""What one actor got from list, view, update and delete: the unit of the authorization tables."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    listed: frozenset[str]
    """Titles the actor gets from the list endpoint."""
    view: int
    update: int
    delete: int
