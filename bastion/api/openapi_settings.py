"""The settings document's schemas, derived from the settings structs (core/settings_sections.py)
so a setting added there is described at once.

Two families: `Settings` (and `Settings.<Section>`), as GET and PATCH /api/settings answer it —
every key, always, except the secrets, which are never answered (settings_binding.masked) — and
`SettingsPatch` (`SettingsPatch.<Section>`), the PATCH body: any subset, secrets included
(a section left out keeps its values).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import msgspec

from bastion.core.settings_sections import Settings

Schema = dict[str, Any]

# The (section struct, key) pairs GET /api/settings leaves out (settings_binding._SECRETS).
_SECRETS = {("SmtpSettings", "password"), ("S3Settings", "secret")}
_TOP = "Settings"
_TEXT = "The server's settings, as PocketBase's settings API has them."


def _name(family: str, section: str) -> str:
    return family if section == _TOP else f"{family}.{section}"


def _rewrite(schema: Any, family: str) -> Any:
    """`schema` with msgspec's `#/$defs/X` references pointed at the document's components, and
    its 64-bit bounds on integers (an implementation limit, not a setting's) dropped."""
    if isinstance(schema, dict):
        out = {}
        for key, value in schema.items():
            if key == "$ref":
                out[key] = "#/components/schemas/" + _name(family, value.rsplit("/", 1)[-1])
            elif key in ("minimum", "maximum") and abs(value) >= 2**63 - 1:
                continue
            elif key != "title":
                out[key] = _rewrite(value, family)
        return out
    if isinstance(schema, list):
        return [_rewrite(v, family) for v in schema]
    return schema


@functools.cache
def _encoded() -> bytes:
    """The schemas, built once per process (the structs do not change while it runs)."""
    defs: dict[str, Schema] = msgspec.json.schema(Settings)["$defs"]
    out: dict[str, Schema] = {}
    for section, schema in defs.items():
        answered = _rewrite(schema, "Settings")
        for key in list(answered["properties"]):
            if (section, key) in _SECRETS:
                del answered["properties"][key]
        answered["required"] = list(answered["properties"])
        patch = _rewrite(schema, "SettingsPatch")
        patch.pop("required", None)
        if section == _TOP:
            answered["description"] = _TEXT + " Secrets (SMTP password, S3 secrets) are never answered."
            patch["description"] = "The settings to change; a key left out keeps its value."
        out[_name("Settings", section)] = answered
        out[_name("SettingsPatch", section)] = patch
    return json.dumps(out).encode()


def settings_schemas() -> dict[str, Schema]:
    """The `Settings*` and `SettingsPatch*` component schemas (a fresh copy each call)."""
    schemas: dict[str, Schema] = json.loads(_encoded())
    return schemas
