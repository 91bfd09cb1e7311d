# make test   bootstrap, then ruff and pytest (extra pytest arguments: make test PYTEST_ARGS="-k ticket -x")
# make demo   bootstrap, then scripts/demo.sh
# make lint   ruff only
# make bench  every bench/*.py, one after the other
# make clean  remove test and run leftovers (var/, caches); keeps .venv
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: all bootstrap test lint demo bench clean
all: test

bootstrap:
	@bash scripts/bootstrap.sh

test: bootstrap
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: bootstrap
	$(VENV)/bin/ruff check .

demo: bootstrap
	bash scripts/demo.sh

bench: bootstrap
	@set -e; for f in bench/*.py; do \
		[ -e "$$f" ] || continue; \
		echo "== $$f"; $(PY) "$$f"; \
	done

clean:
	rm -rf var .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	mkdir -p var
