"""The committed dashboard bundle must be built from the committed source (ui/build.mjs records a
hash of ui/src in dist/manifest.json; this recomputes it without Node)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from bastion.ui import DIST

UI = Path(__file__).resolve().parents[3] / "ui"


def _source_hash() -> str:
    digest = hashlib.sha256()
    paths = sorted(p for p in (UI / "src").rglob("*") if p.is_file())
    # build.mjs walks directories sorted by entry name; sort the same way (path parts, not strings).
    paths.sort(key=lambda p: p.relative_to(UI).parts)
    for path in [*paths, UI / "build.mjs", UI / "package.json"]:
        digest.update(path.relative_to(UI).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def test_dist_is_built_from_the_current_source() -> None:
    manifest = json.loads((DIST / "manifest.json").read_text())
    assert manifest["sourceHash"] == _source_hash(), "bastion/ui/dist is stale: run ui/build.sh and commit"


def test_index_names_only_assets_that_exist() -> None:
    manifest = json.loads((DIST / "manifest.json").read_text())
    index = (DIST / "index.html").read_text()
    for name in manifest["assets"].values():
        assert (DIST / "assets" / name).is_file()
    assert f"/_/assets/{manifest['assets']['app.js']}" in index
    assert f"/_/assets/{manifest['assets']['style.css']}" in index
    docs = (DIST / "api_docs.html").read_text()
    for name in ("swagger_ui.js", "swagger_ui.css", "api_docs.js", "api_docs.css"):
        assert f"/_/assets/{manifest['assets'][name]}" in docs
