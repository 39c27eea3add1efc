# The two commands a newcomer runs (see README): `make run` and `make test`.
VENV ?= .venv
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1

.PHONY: install run test test-spark lint
install:
	@bash scripts/install.sh

run: install
	$(VENV)/bin/cohort demo

test: install
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

test-spark: install   # the Spark store's tests alone (local mode, one Spark session)
	$(VENV)/bin/python -m pytest -m spark $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
