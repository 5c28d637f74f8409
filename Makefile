# Development tasks. `make demo` and `make test` create the virtual environment on first use.
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed
# Every dependency of every extra the Makefile installs (test, ocr, scale) and the build backend, pinned
# with hashes. `make lock` refreshes it; pyproject.toml keeps the lower bounds for other environments.
LOCK := requirements/lock.txt
LOCK_EXTRAS := --extra test --extra ocr --extra scale
UV_VERSION := 0.13.9

.PHONY: demo test bench bench-compare bench-serve ocr-bench fuzz corrupt-batch clean distclean venv lock

venv: $(STAMP)

# Re-install when the lock or the project changes: the locked set exactly (hashes checked, nothing
# resolved here), then the project itself without dependencies.
$(STAMP): $(LOCK) pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(VENV)/bin/python -m pip check
	touch $(STAMP)

# Re-resolve every pinned dependency to the newest release the bounds in pyproject.toml allow.
lock:
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet 'uv==$(UV_VERSION)'
	.lock-venv/bin/uv pip compile pyproject.toml requirements/build.in $(LOCK_EXTRAS) --universal \
		--python-version 3.11 --generate-hashes --upgrade --quiet -o $(LOCK)

# Audit the example reports. They hold real findings, so --fail-on never keeps the exit status 0.
demo: $(STAMP)
	$(VENV)/bin/auditor check --fail-on never examples/

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

# Every speed and memory figure in one run (minutes), written to out/bench.json; `make bench-compare
# OLD=a.json NEW=b.json` compares two such records (two commits).
bench: $(STAMP)
	$(VENV)/bin/python scripts/bench.py

# The workbench (auditor serve): list and report pages at 10,000 stored reports, out/bench_serve.json.
bench-serve: $(STAMP)
	$(VENV)/bin/python scripts/bench_serve.py --reports 10000

OLD ?= out/bench-old.json
NEW ?= out/bench.json
bench-compare: $(STAMP)
	$(VENV)/bin/python scripts/bench.py --compare $(OLD) $(NEW)

# OCR on tables drawn in several looks (single/double/borderless/grey rules, 1x/2x, degraded scans):
# cells right, silent misreads and false accusations per look (a few minutes; needs a CJK font).
ocr-bench: $(STAMP)
	nice -n 10 $(VENV)/bin/python scripts/ocr_bench.py --gold 2 --synth 1 --out out/ocr-bench.json

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
	rm -rf $(VENV) .lock-venv
