#!/usr/bin/env sh
# Rebuild bastion/ui/dist from ui/src (needs Node.js; users of `bastion serve` never run this).
set -eu
cd "$(dirname "$0")"
[ -d node_modules/esbuild ] || npm ci --no-audit --no-fund
node build.mjs
