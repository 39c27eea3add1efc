# The two commands a newcomer runs (see README): `make run` and `make test`.
VENV ?= .venv
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1

.PHONY: install run test lint
install:
	@bash scripts/install.sh

run: install
	$(VENV)/bin/cohort demo

test: install
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
