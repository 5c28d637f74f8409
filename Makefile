# Development tasks. `make demo` and `make test` create the virtual environment on first use.
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: demo test bench fuzz corrupt-batch clean distclean venv

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

# Hardening runs (minutes; the long ones are in scripts/fuzz.py --help): every fuzz target 2,000
# inputs under atheris, and a batch of 1,000 reports with 10% corrupted files.
fuzz: $(STAMP)
	$(VENV)/bin/python -m pip install --quiet -e '.[fuzz]'
	$(VENV)/bin/python scripts/fuzz.py --target all --runs 2000 --max-len 16384

corrupt-batch: $(STAMP)
	$(VENV)/bin/python scripts/corrupt_batch.py --count 1000 --bad-share 0.1

clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis out
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Also remove the virtual environment.
distclean: clean
	rm -rf $(VENV)
