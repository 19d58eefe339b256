#!/bin/sh
# Create .venv exactly as uv.lock pins it.
#   sh scripts/bootstrap.sh          everything, test tools included (make test)
#   sh scripts/bootstrap.sh serve    only what `bastion serve` needs (make serve)
#
# uv comes from PATH, else from a private venv (.tools/uv) made here the first time. The system
# Python is never installed into: Debian and Ubuntu mark it externally managed (PEP 668), and pip
# refuses. Needs python3 with its venv module (Debian/Ubuntu: the python3-venv package).
set -eu
cd "$(dirname "$0")/.."
TOOL_VENV=.tools/uv

fail() {
    echo "bootstrap: $*" >&2
    exit 1
}

if command -v uv >/dev/null 2>&1; then
    UV=uv
elif [ -x "$TOOL_VENV/bin/uv" ]; then
    UV="$TOOL_VENV/bin/uv"
else
    command -v python3 >/dev/null 2>&1 ||
        fail "python3 is not installed (Debian/Ubuntu: sudo apt install python3 python3-venv)"
    # Debian and Ubuntu ship `venv` without `ensurepip` unless python3-venv is installed, and then
    # `python3 -m venv` fails half-way; check first and say what to install.
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 ||
        fail "python3 cannot create virtual environments: install python3-venv (Debian/Ubuntu: sudo apt install python3-venv), or install uv (https://docs.astral.sh/uv/)"
    echo "bootstrap: installing uv into $TOOL_VENV (the system Python is left as it is)" >&2
    rm -rf "$TOOL_VENV"
    python3 -m venv "$TOOL_VENV"
    "$TOOL_VENV/bin/python" -m pip install --quiet --disable-pip-version-check uv ||
        fail "could not install uv from PyPI into $TOOL_VENV (see pip's message above)"
    UV="$TOOL_VENV/bin/uv"
fi

case "${1:-all}" in
    serve) exec "$UV" sync --frozen --quiet --no-dev --inexact ;;  # keeps test tools already there
    all) exec "$UV" sync --frozen --quiet ;;
    *) fail "unknown mode ${1} (expected: serve, or nothing for everything)" ;;
esac
