"""The dashboard's OAuth2 provider list (ui/src/views/oauth2_logos.js: the picker and the logos)
names exactly the providers the server knows, with the server's display names."""

from __future__ import annotations

import re
from pathlib import Path

from bastion.auth.oauth2.provider_client import PRESETS

LOGOS = Path(__file__).resolve().parents[3] / "ui" / "src" / "views" / "oauth2_logos.js"


def test_dashboard_lists_every_server_provider() -> None:
    entries = dict(re.findall(r"^  (\w+): \['([^']+)'", LOGOS.read_text(), re.MULTILINE))
    assert set(entries) == set(PRESETS)
    for name, preset in PRESETS.items():
        if not preset.is_oidc:  # the three generic OIDC slots are numbered in the dashboard
            assert entries[name] == preset.display_name, name
