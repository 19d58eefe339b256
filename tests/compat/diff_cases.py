"""The table of differential cases: each one request, sent to PocketBase and to a candidate.

Reads come first (diff_cases_read.py), then access rules and writes (diff_cases_write.py, which
takes the collection cases from diff_cases_collections.py): the writes change state, and both
servers run the cases in the same order, so they stay in step.
"""

from __future__ import annotations

from .diff_cases_access import access_cases
from .diff_cases_auth import auth_cases
from .diff_cases_auth_options import auth_option_cases
from .diff_cases_excerpt import excerpt_cases
from .diff_cases_firstrun import firstrun_cases
from .diff_cases_http import http_cases
from .diff_cases_indexes import index_cases
from .diff_cases_logs import logs_cases
from .diff_cases_read import read_cases
from .diff_cases_schema import schema_cases
from .diff_cases_settings import settings_cases
from .diff_cases_write import write_cases
from .diff_compare import Case


def all_cases() -> list[Case]:
    cases = (
        read_cases()
        + firstrun_cases()
        + logs_cases()
        + write_cases()
        + excerpt_cases()
        + http_cases()
        + schema_cases()
        + index_cases()
    )
    cases += access_cases()  # reads only
    cases += auth_cases()
    cases += auth_option_cases()
    cases += settings_cases()
    ids = [c.id for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate case ids: {duplicates}"
    return cases
