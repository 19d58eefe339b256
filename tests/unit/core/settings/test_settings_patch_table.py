"""PATCH /api/settings bodies replayed against the settings binding and validation.

fixtures/patch_cases.json was captured from PocketBase 0.40.6: for each body, sent to a server
holding the default settings, the status and either the error body or the changed sections of
the response (plus the stored secrets, read from its database).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bastion.core.settings_binding import SAVE_ERROR, bind_settings, masked
from bastion.core.settings_sections import Settings
from bastion.errors import ApiError

FIXTURES = Path(__file__).parent / "fixtures"
DEFAULT_RESPONSE = json.loads((FIXTURES / "default_settings.json").read_text())
CASES = json.loads((FIXTURES / "patch_cases.json").read_text(encoding="utf-8"))


def _respond(body: str) -> tuple[int, dict, dict | None]:
    """What the settings endpoint answers, built only from the settings modules."""
    try:
        settings = bind_settings(Settings(), json.loads(body))
    except ApiError as exc:
        return exc.status, exc.to_dict(), None
    errors = settings.validate()
    if errors:
        return 400, {"data": errors, "message": SAVE_ERROR, "status": 400}, None
    return 200, masked(settings), settings


@pytest.mark.parametrize("case", CASES, ids=[c["body"][:60] for c in CASES])
def test_patch_matches_pocketbase(case):
    status, body, doc = _respond(case["body"])
    assert status == case["status"]
    if status != 200:
        assert body == case["response"]
        # error keys come out sorted, as Go encodes maps
        assert json.dumps(body) == json.dumps(case["response"])
        return
    assert body == {**DEFAULT_RESPONSE, **case["changed"]}
    assert [doc.smtp.password, doc.s3.secret, doc.backups.s3.secret] == case["secrets"]


def test_table_covers_both_outcomes():
    statuses = {c["status"] for c in CASES}
    assert statuses == {200, 400}
    assert len(CASES) > 250
