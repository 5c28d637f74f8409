"""Shared fixtures: where the copied reports and gold files live, and the shared corpus (PDFs)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

# Every test derives rules and templates from the files themselves (and the CLI processes the tests
# start inherit this): tests/test_datacache.py turns the data cache on where it is the subject.
os.environ["AUDITOR_NO_CACHE"] = "1"

DATA = Path(__file__).parent / "data"
GOLD = DATA / "gold"
SCHEMAS = Path(__file__).parent / "schemas"  # SARIF 2.1.0 (OASIS) and JUnit XML schemas: see its README
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
# Tests read every image by OCR afresh (the user's OCR cache is neither used nor filled);
# tests/test_ocr_cache.py turns the cache on in a folder of its own.
os.environ["AUDITOR_OCR_CACHE"] = "off"


def gold(name: str) -> dict:
    return json.loads((GOLD / f"{Path(name).stem}.json").read_text(encoding="utf-8"))


def report_path(name: str) -> Path:
    """A real report: the copy under tests/data, else the shared corpus (skip when absent)."""
    for folder in (DATA, CORPUS):
        if (folder / name).exists():
            return folder / name
    pytest.skip(f"{name} is not in tests/data nor in ../shared/corpus")


def gold_value(cell):
    """A cell as gold files write it: blanks and dashes null, numbers as numbers."""
    if cell.state.value in ("blank", "dash"):
        return None
    if cell.has_value:
        return int(cell.value) if cell.value == cell.value.to_integral_value() else float(cell.value)
    return f"<{cell.state.value}>"


def gold_mismatches(report, expected: dict) -> list[tuple]:
    """Every cell of tables 3 and 4 where the report differs from the gold file."""
    wrong = []
    for table_id in ("table3", "table4"):
        table = report.table(table_id)
        for row, values in expected[table_id]["rows"].items():
            for column, value in zip(expected[table_id]["columns"], values):
                got = gold_value(table.cell(row, column))
                if got != value:
                    wrong.append((table_id, row, column, value, got))
    return wrong


def browser_paths() -> tuple[str, str]:
    """Headless Chromium and its driver for the browser tests; the test skips with the reason when absent."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("selenium is not installed (pip install selenium)")
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or \
        ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    if not chromium:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    if not driver:
        pytest.skip("chromedriver is not installed (apt-get install chromium-driver)")
    return chromium, driver
