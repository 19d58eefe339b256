"""List queries and list results, shaped as PocketBase's search provider does them.

`ListQuery.parse(query)` reads `page`, `perPage`, `sort`, `filter` and `skipTotal` from a query
mapping; `list_result(...)` builds the response body. (`expand` and `fields` are read where they
apply: core/record_expand.py and core/response_fields.py.)

Behaviour matched against PocketBase 0.40.6 (tools/search/provider.go):
- `page` and `perPage` must parse as base-10 integers (Go `strconv.Atoi`: optional sign, digits
  only, 64-bit range); anything else is a 400 with the generic message and empty data. A page
  of 0 or below becomes 1; a perPage of 0 or below becomes 30, above 1000 becomes 1000.
- `skipTotal` must parse as a Go bool (`1 t T TRUE true True 0 f F FALSE false False`); with it
  set, `totalItems` and `totalPages` are -1 and no count query is needed.
- An empty parameter counts as absent. Only the first value of a repeated parameter is read.
- The response keeps Go's struct order: items, page, perPage, totalItems, totalPages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bastion.errors import BadRequestError

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000
DEFAULT_SORT_EXPR_LIMIT = 8
MAX_FILTER_LENGTH = 3500
MAX_SORT_FIELD_LENGTH = 255

_GO_INT = re.compile(r"[+-]?[0-9]+\Z")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


@dataclass(frozen=True, slots=True)
class SortField:
    """One `sort` entry; `name` may be empty (PocketBase rejects it when building SQL)."""

    name: str
    direction: str  # "ASC" or "DESC"


@dataclass(frozen=True, slots=True)
class ListQuery:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = ""  # the `sort` expression, as sent (its size limits checked)
    filter: str = ""
    skip_total: bool = False

    @property
    def offset(self) -> int:
        return self.per_page * (self.page - 1)

    @classmethod
    def parse(cls, query: Mapping[str, Any]) -> ListQuery:
        """Parse a query mapping (values: str or list of str; starlette's QueryParams works too).

        Raises BadRequestError (generic message, empty data) where PocketBase answers 400.
        """
        raw = {k: first_value(query, k) for k in ("page", "perPage", "sort", "filter", "skipTotal")}

        skip_total = False
        if raw["skipTotal"]:
            skip_total = parse_go_bool(raw["skipTotal"])

        page = parse_go_int(raw["page"]) if raw["page"] else 1
        per_page = parse_go_int(raw["perPage"]) if raw["perPage"] else DEFAULT_PER_PAGE

        filter_ = raw["filter"]
        check_limits(parse_sort(raw["sort"]) if raw["sort"] else (), filter_)

        return cls(
            page=normalize_page(page),
            per_page=normalize_per_page(per_page),
            sort=raw["sort"],
            filter=filter_,
            skip_total=skip_total,
        )


def parse_list_query(query: Mapping[str, Any]) -> ListQuery:
    """Shorthand for ListQuery.parse."""
    return ListQuery.parse(query)


def first_value(query: Mapping[str, Any], key: str) -> str:
    """First value of a query parameter (Go's url.Values.Get), "" when absent."""
    getlist = getattr(query, "getlist", None)
    if getlist is not None:
        values = getlist(key)
        return str(values[0]) if values else ""
    value = query.get(key)
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return str(value[0]) if value else ""
    return str(value)


def parse_go_int(raw: str) -> int:
    """Go's strconv.Atoi: optional sign and ASCII digits, within int64; else a generic 400."""
    if not _GO_INT.match(raw):
        raise BadRequestError()
    value = int(raw)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise BadRequestError()
    return value


def parse_go_bool(raw: str) -> bool:
    """Go's strconv.ParseBool; anything else is a generic 400."""
    if raw in _GO_TRUE:
        return True
    if raw in _GO_FALSE:
        return False
    raise BadRequestError()


def normalize_page(page: int) -> int:
    return page if page > 0 else 1


def normalize_per_page(per_page: int) -> int:
    if per_page <= 0:
        return DEFAULT_PER_PAGE
    return min(per_page, MAX_PER_PAGE)


def parse_sort(raw: str) -> tuple[SortField, ...]:
    """`-a,+b,c` into sort fields; entries are trimmed, empty entries are kept (and later fail)."""
    out: list[SortField] = []
    for part in raw.split(","):
        part = part.strip()
        if part.startswith("-"):
            out.append(SortField(part[1:], "DESC"))
        else:
            out.append(SortField(part.removeprefix("+"), "ASC"))
    return tuple(out)


def check_limits(sort: tuple[SortField, ...], filter_: str) -> None:
    """The provider's size limits; PocketBase answers each with a generic 400."""
    if len(filter_.encode()) > MAX_FILTER_LENGTH:
        raise BadRequestError()
    if len(sort) > DEFAULT_SORT_EXPR_LIMIT:
        raise BadRequestError()
    if any(len(s.name.encode()) > MAX_SORT_FIELD_LENGTH for s in sort):
        raise BadRequestError()


def total_pages(total_items: int, per_page: int) -> int:
    return math.ceil(total_items / per_page) if per_page > 0 else 0


def list_result(
    page: int,
    per_page: int,
    total_items: int,
    items: list[Any],
    skip_total: bool = False,
) -> dict[str, Any]:
    """The list response body, in PocketBase's key order. With skip_total both totals are -1."""
    if skip_total:
        items_total, pages_total = -1, -1
    else:
        items_total, pages_total = total_items, total_pages(total_items, per_page)
    return {
        "items": items,
        "page": page,
        "perPage": per_page,
        "totalItems": items_total,
        "totalPages": pages_total,
    }
