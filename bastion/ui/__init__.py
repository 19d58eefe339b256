"""The admin dashboard's built assets (`dist/`), served at `/_/` by bastion.api.admin_ui.

The source lives in `ui/` at the repository root and is bundled by `ui/build.mjs` (esbuild); the
output is committed so `bastion serve` needs no Node.js.
"""

from pathlib import Path

DIST = Path(__file__).parent / "dist"
