#!/bin/sh
# Reorganise tests/ by kind (docs/architecture.md, "Tests"): unit/<package> mirrors bastion/,
# contract/<interface> runs one interface over every backend, api/<feature> holds the HTTP
# scenarios, support/ the harnesses; cli, compat, cluster, faults, fuzz, install and ui stay.
#
# NOT run on the branch that wrote it: other branches were editing tests in these folders. The
# lead runs it once they are merged, from the repository root, on a clean tree:
#     sh scripts/move_tests.sh && .venv/bin/pytest --co -q tests >/dev/null && make lint
# It only moves files (git mv) and rewrites the module paths and file paths that name them; it
# changes no test. Re-running it after success fails on the first git mv (nothing to move).
set -eu
cd "$(git rev-parse --show-toplevel)"

mv_to() { # mv_to DEST_DIR FILE...: git mv each FILE into DEST_DIR (created)
    dest=$1
    shift
    mkdir -p "$dest"
    for f in "$@"; do git mv "$f" "$dest/"; done
}

# Replace a dotted module path in every Python file under tests/ and bench/, and a file path in
# the docs, comments and scripts that cite it. Longest paths first (the order below matters).
rewrite_module() { # OLD NEW (dotted, e.g. tests.mail.smtp_server)
    old=$(printf '%s' "$1" | sed 's/\./\\./g')
    grep -rlE --include='*.py' "$old\b" tests bench 2>/dev/null | while read -r f; do
        sed -i -E "s/$old\b/$2/g" "$f"
    done
}
# (Not ui/: its sources are hashed into bastion/ui/dist's manifest, so a changed comment there
# makes tests/unit/ui/test_admin_ui_dist.py ask for a rebuild; ui/build.mjs's comment keeps the
# old path of that test until the next dashboard build.)
rewrite_path() { # OLD NEW (slashed, e.g. tests/unit/test_ids.py)
    grep -rlF "$1" docs bastion tests README.md Makefile 2>/dev/null | while read -r f; do
        sed -i "s#$1#$2#g" "$f"
    done
}

# ---- support/: harnesses and fakes the tests start, no tests ---------------------------------
mv_to tests/support tests/serve_process.py tests/s3_server.py tests/mail/smtp_server.py \
    tests/oauth2/oidc_provider.py
rewrite_module tests.mail.smtp_server tests.support.smtp_server
rewrite_module tests.oauth2.oidc_provider tests.support.oidc_provider
rewrite_module tests.serve_process tests.support.serve_process
rewrite_module tests.s3_server tests.support.s3_server # also the root conftest's pytest_plugins
rewrite_path tests/oauth2/oidc_provider.py tests/support/oidc_provider.py

# ---- unit/<package>: one module or service alone (a real database where it needs one) --------
mv_to tests/unit/core tests/unit/test_html_excerpt.py tests/unit/test_ids.py \
    tests/unit/test_list_result.py tests/unit/test_passwords.py tests/unit/test_response_fields.py \
    tests/unit/test_schema_registry.py tests/unit/test_text_formats.py \
    tests/unit/test_text_tokenizer.py tests/unit/test_view_query.py \
    tests/auth_passwords/test_password_crypto.py
git mv tests/unit/fixtures tests/unit/core/fixtures # test_text_formats.py reads them beside it
git mv tests/unit/fields tests/unit/core/fields
git mv tests/unit/settings tests/unit/core/settings
mv_to tests/unit/http tests/unit/test_log_entry.py
mv_to tests/unit/auth tests/unit/test_tokens.py tests/oauth2/test_provider_client.py \
    tests/oauth2/test_provider_presets.py
mv_to tests/unit/ui tests/unit/test_admin_ui_dist.py
sed -i 's/parents\[2\] \/ "ui"/parents[3] \/ "ui"/' tests/unit/ui/test_admin_ui_dist.py # one level deeper
mv_to tests/unit/store tests/store/test_pg_pool.py
git rm -q tests/store/__init__.py
mv_to tests/unit/ratelimit tests/ratelimit/test_store_units.py
mv_to tests/unit/mail tests/mail/test_mail_render.py tests/mail/test_mailers.py
# test_mailers.py imports the SMTP harness at the top: the same aiosmtpd guard as tests/mail has
cp tests/mail/conftest.py tests/unit/mail/conftest.py
git add tests/unit/mail/conftest.py
for p in html_excerpt ids list_result passwords response_fields schema_registry text_formats \
    text_tokenizer view_query; do
    rewrite_path "tests/unit/test_$p.py" "tests/unit/core/test_$p.py"
done
rewrite_path tests/unit/test_admin_ui_dist.py tests/unit/ui/test_admin_ui_dist.py

# ---- contract/<interface>: one interface, every backend ---------------------------------------
mv_to tests/contract/storage tests/files/test_storage_contract.py # s3_endpoint: a root plugin
rewrite_path tests/files/test_storage_contract.py tests/contract/storage/test_storage_contract.py
rewrite_path tests/store/test_pg_pool.py tests/unit/store/test_pg_pool.py

# ---- api/<feature>: HTTP scenarios in-process over ASGI (tests/api/*.py stay at its top) ------
for feature in auth_flows auth_options auth_otp auth_passwords authz files mail oauth2 ratelimit realtime; do
    git mv "tests/$feature" "tests/api/$feature"
    rewrite_module "tests.$feature" "tests.api.$feature"
    rewrite_path "tests/$feature/" "tests/api/$feature/"
done

# The rewritten imports sort differently (tests.api.* before tests.conftest): let ruff order them.
.venv/bin/ruff check -q --select I --fix tests bench
.venv/bin/ruff format -q tests bench

echo "moved; now: .venv/bin/pytest --co -q tests >/dev/null && .venv/bin/pytest -q --setup-plan tests/unit tests/contract tests/api >/dev/null"
