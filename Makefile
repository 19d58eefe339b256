# The README's two commands: `make serve` and `make test`. Each creates .venv from uv.lock first.
VENV := .venv
STAMP := $(VENV)/.synced-stamp
ARGS ?=

.PHONY: serve test lint bench

serve: $(STAMP)
	$(VENV)/bin/bastion serve $(ARGS)

test: lint
	$(VENV)/bin/pytest -q $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check bastion tests bench
	$(VENV)/bin/ruff format --check --quiet bastion tests bench

$(STAMP): pyproject.toml uv.lock scripts/bootstrap.sh
	sh scripts/bootstrap.sh
	@touch $(STAMP)
