"""Differential cases for the README's tour: "tagged x" on a multi-value select is `:each ?=`.

The README used to filter with `tags ?= "py"`, which matches nothing on PocketBase and Bastion
alike (the field compares as its whole list); these cases keep both the form that works and the
one that does not in step with PocketBase.
"""

from __future__ import annotations

from .diff_cases_read import POSTS
from .diff_compare import Case

FILTERS = {
    "readme_any_item": 'categories:each ?= "tech"',
    "readme_any_item_and_number": 'views > 1 && categories:each ?= "tech"',
    "readme_whole_list_any_of": 'views > 1 && categories ?= "tech"',
    "readme_every_item": 'categories:each = "tech"',
}


def firstrun_cases() -> list[Case]:
    return [
        Case(f"filter_{name}", POSTS, {"filter": expr, "sort": "-views,id", "perPage": "100"})
        for name, expr in FILTERS.items()
    ]
