#!/bin/sh
# Create .venv exactly as uv.lock pins it (installing uv itself first when it is missing).
set -eu
cd "$(dirname "$0")/.."
if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check uv
fi
uv sync --frozen --quiet
