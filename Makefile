# Development tasks. `make demo` and `make test` create the virtual environment on first use.
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean distclean venv

venv: $(STAMP)

# Re-install when the project's dependencies change.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -e '.[test,ocr,scale]'
	touch $(STAMP)

# Audit the example reports. They hold real findings, so --fail-on never keeps the exit status 0.
demo: $(STAMP)
	$(VENV)/bin/auditor check --fail-on never examples/

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

bench: $(STAMP)
	$(VENV)/bin/python scripts/bench.py

clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis out
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Also remove the virtual environment.
distclean: clean
	rm -rf $(VENV)
