# The README's two commands: `make serve` and `make test`. Each creates .venv from uv.lock first:
# serve with the runtime dependencies only, test with the test tools too (scripts/bootstrap.sh).
VENV := .venv
SERVE_STAMP := $(VENV)/.serve-stamp
STAMP := $(VENV)/.synced-stamp
ARGS ?=

.PHONY: serve test lint bench bench-check fuzz fuzz-nightly

serve: $(SERVE_STAMP)
	$(VENV)/bin/bastion serve $(ARGS)

# Two processes (pytest-xdist): most of a serial run waits on servers, subprocesses and sleeps.
# Each file runs whole in one process, in order (the differential cases build on one another).
test: lint
	$(VENV)/bin/pytest -q -n 2 --dist loadfile $(ARGS)

# Schemathesis over the live OpenAPI document, on SQLite and PostgreSQL (tests/fuzz/openapi_fuzz.py),
# then the filter-language and hostile-input property tests at 5 times the suite's examples, with
# fresh inputs and their counts printed (tests/support/fuzz_scale.py): minutes, so a step of its
# own after the test suite in CI.
fuzz: $(STAMP)
	$(VENV)/bin/python -m tests.fuzz.openapi_fuzz --db both --examples 5 --min-requests 10000 $(ARGS)
	BASTION_FUZZ_SCALE=5 $(VENV)/bin/pytest -q -p no:cacheprovider --hypothesis-show-statistics \
		tests/contract/rules/test_rules_property.py tests/fuzz

# The filter language at the nightly size: 100,000 grammar-generated and mutated filters, each run
# on SQLite, PostgreSQL and the in-memory evaluator (tests/fuzz/filter_nightly.py; docs/openapi.md).
# The hot paths' CPU per request inside the app against a stored baseline, in units of a
# calibration loop so a slower machine is not a regression; fails above twice the baseline
# (bench/inprocess.py). Not a timed test: a check that a change did not double a path's cost.
bench-check: $(STAMP)
	$(VENV)/bin/python bench/inprocess.py --records 2000 --requests 200 --rounds 5 \
		--check bench/inprocess_baseline.json --margin 2.0 $(ARGS)

fuzz-nightly: $(STAMP)
	$(VENV)/bin/python -m tests.fuzz.filter_nightly --inputs 100000 --max-seconds 3600 $(ARGS)

# lint-imports: the layer contracts in pyproject.toml ([tool.importlinter]; docs/architecture.md).
# mypy: the type checker, configured in pyproject.toml ([tool.mypy]); strict on core/ and rules/.
lint: $(STAMP)
	$(VENV)/bin/ruff check bastion tests bench
	$(VENV)/bin/ruff format --check --quiet bastion tests bench
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy bastion

$(SERVE_STAMP): pyproject.toml uv.lock scripts/bootstrap.sh
	sh scripts/bootstrap.sh serve
	@touch $(SERVE_STAMP)

# The full environment holds everything serve needs, so it stamps both.
$(STAMP): pyproject.toml uv.lock scripts/bootstrap.sh
	sh scripts/bootstrap.sh
	@touch $(STAMP) $(SERVE_STAMP)
