"""Differential cases for /api/logs: who may read logs and how bad queries are answered.

The logs' contents are not compared: PocketBase writes its request logs a few seconds after the
last request, so what a list returns at a given moment differs by timing, not behaviour. Filters
that match nothing give the same empty answer on both whatever has been logged.
"""

from __future__ import annotations

from .diff_compare import Case

LOGS = "/api/logs"
NOTHING = {"filter": "id = 'no-such-log'"}


def logs_cases() -> list[Case]:
    cases = []
    for path in (LOGS, f"{LOGS}/stats", f"{LOGS}/no-such-log"):
        slug = path.removeprefix("/api/").replace("/", "_").replace("-", "_")
        cases.append(Case(f"{slug}_anonymous", path, auth=None))
        cases.append(Case(f"{slug}_regular_user", path, auth="alice"))
    return cases + [
        Case("logs_delete_anonymous", LOGS, method="DELETE", auth=None),
        Case("logs_delete_regular_user", LOGS, method="DELETE", auth="alice"),
        Case("logs_view_unknown_id", f"{LOGS}/no-such-log"),
        Case("logs_list_matching_nothing", LOGS, NOTHING),
        Case("logs_list_matching_nothing_paged", LOGS, {**NOTHING, "page": "2", "perPage": "5"}),
        Case("logs_list_matching_nothing_skiptotal", LOGS, {**NOTHING, "skipTotal": "1"}),
        Case("logs_list_json_path_filter", LOGS, {"filter": "data.status = 999 && data.auth = 'x'"}),
        Case("logs_list_sorted_rowid", LOGS, {**NOTHING, "sort": "-@rowid,created"}),
        Case("logs_list_unknown_filter_field", LOGS, {"filter": "nosuch = 1"}),
        Case("logs_list_request_macro_refused", LOGS, {"filter": "@request.auth.id != ''"}),
        Case("logs_list_collection_macro_refused", LOGS, {"filter": "@collection.users.id != ''"}),
        Case("logs_list_bad_syntax", LOGS, {"filter": "((("}),
        Case("logs_list_unknown_sort", LOGS, {"sort": "nosuch"}),
        Case("logs_list_bad_page", LOGS, {"page": "x"}),
        Case("logs_stats_matching_nothing", f"{LOGS}/stats", NOTHING),
        Case("logs_stats_unknown_field", f"{LOGS}/stats", {"filter": "nosuch = 1"}),
        Case("logs_stats_bad_syntax", f"{LOGS}/stats", {"filter": "((("}),
    ]
