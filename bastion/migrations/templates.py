"""The text of the migration files Bastion writes: blank (`migrate create`), a snapshot of every
collection (`migrate collections`), and one collection's change (automigrate).

Definitions are written as Python literals, one key per line (diffs read well in git), in the API's JSON shape without
`created` and `updated` (the applying server dates its own) and without the OAuth2 providers; the
API shape leaves secrets out (auth token secrets), so none reaches a file meant for git.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bastion.core.collection_model import Collection

OPTIONAL_KEYS = ("search",)  # docs/search.md
_HEAD = '"""{title}"""\n\nfrom bastion.migrations import MigrationApp\n'


def definition(collection: Collection) -> dict[str, Any]:
    """What a file keeps of a collection: not its dates, nor (as PocketBase's automigrate) its
    OAuth2 providers, which each server configures for itself (their client ids and secrets
    differ between a laptop and production); saving a definition keeps the stored providers."""
    out = {k: v for k, v in collection.to_dict().items() if k not in ("created", "updated")}
    if isinstance(out.get("oauth2"), dict):
        out["oauth2"] = {k: v for k, v in out["oauth2"].items() if k != "providers"}
    return out


def _literal(value: Any, level: int = 0) -> str:
    """`value` as Python source, JSON's layout: containers of containers one item per line."""
    pad, inner = "    " * level, "    " * (level + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{_literal(k)}: {_literal(v, level + 1)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value:
        if all(not isinstance(v, (dict, list)) for v in value):
            flat = "[" + ", ".join(_literal(v) for v in value) + "]"
            if len(flat) <= 80:
                return flat
        return "[\n" + "\n".join(f"{inner}{_literal(v, level + 1)}," for v in value) + f"\n{pad}]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a Python string literal
    return repr(value)


def blank(name: str) -> str:
    return (
        _HEAD.format(title=name)
        + "\n\nasync def up(app: MigrationApp) -> None:\n    pass\n"
        + "\n\nasync def down(app: MigrationApp) -> None:\n    pass\n"
    )


def snapshot(collections: list[Collection]) -> str:
    items = [definition(c) for c in collections]
    return (
        _HEAD.format(title="Every collection as it was (bastion migrate collections).")
        + f"\nCOLLECTIONS = {_literal(items)}\n"
        + "\n\nasync def up(app: MigrationApp) -> None:\n"
        + "    # the collections above, exactly: missing ones created, others updated, the rest deleted\n"
        + "    await app.collections.import_collections(COLLECTIONS, delete_missing=True)\n"
        + "\n\nasync def down(app: MigrationApp) -> None:\n"
        + "    pass  # as PocketBase's snapshots: nothing to revert to\n"
    )


def change(before: Collection | None, after: Collection | None) -> tuple[str, str]:
    """(file name without its timestamp, text) of one collection's create, update or delete."""
    if before is None and after is not None:
        return f"created_{after.name}", (
            _HEAD.format(title=f'Created collection "{after.name}" (automigrate).')
            + f"\nSNAPSHOT = {_literal(definition(after))}\n"
            + "\n\nasync def up(app: MigrationApp) -> None:\n    await app.collections.save(SNAPSHOT)\n"
            + "\n\nasync def down(app: MigrationApp) -> None:\n"
            + '    await app.collections.delete(SNAPSHOT["id"])\n'
        )
    if after is None and before is not None:
        return f"deleted_{before.name}", (
            _HEAD.format(title=f'Deleted collection "{before.name}" (automigrate).')
            + f"\nSNAPSHOT = {_literal(definition(before))}\n"
            + "\n\nasync def up(app: MigrationApp) -> None:\n"
            + '    await app.collections.delete(SNAPSHOT["id"])\n'
            + "\n\nasync def down(app: MigrationApp) -> None:\n    await app.collections.save(SNAPSHOT)\n"
        )
    assert before is not None and after is not None
    new, old = definition(after), definition(before)
    # Bastion's optional keys (only shown when set): a side without one removes it on save
    for key in OPTIONAL_KEYS:
        if key in old and key not in new:
            new[key] = None
        elif key in new and key not in old:
            old[key] = None
    return f"updated_{after.name}", (
        _HEAD.format(title=f'Updated collection "{after.name}" (automigrate).')
        + f"\nNEW = {_literal(new)}\n"
        + f"\nOLD = {_literal(old)}\n"
        + "\n\nasync def up(app: MigrationApp) -> None:\n    await app.collections.save(NEW)\n"
        + "\n\nasync def down(app: MigrationApp) -> None:\n    await app.collections.save(OLD)\n"
    )
