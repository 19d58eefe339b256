"""Blank collections of each type, as `GET /api/collections/meta/scaffolds` returns them (the
starting point an admin UI fills in)."""

from __future__ import annotations

import secrets
import string
from typing import Any

from bastion.core.collection_indexes import auth_indexes
from bastion.core.collection_model import AUTH, BASE, VIEW, Collection, new_auth_options
from bastion.core.fields import Field, auth_system_fields, default_id_field


def scaffolds() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for ctype in (BASE, AUTH, VIEW):
        fields: list[Field] = [] if ctype == VIEW else [default_id_field()]
        options: dict[str, Any] = {"viewQuery": ""} if ctype == VIEW else {}
        indexes: list[str] = []
        if ctype == AUTH:
            fields += auth_system_fields()
            options = new_auth_options()
            # The collection has neither id nor name yet: a random suffix keeps index names apart.
            suffix = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(10))
            indexes = auth_indexes(suffix, "")
        out[ctype] = Collection(
            id="", name="", type=ctype, fields=fields, indexes=indexes, options=options
        ).to_dict()
    return out
