"""Shared fixtures: where the copied reports and gold files live, and the shared corpus (PDFs)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
GOLD = DATA / "gold"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def gold(name: str) -> dict:
    return json.loads((GOLD / f"{Path(name).stem}.json").read_text(encoding="utf-8"))


def report_path(name: str) -> Path:
    """A real report: the copy under tests/data, else the shared corpus (skip when absent)."""
    for folder in (DATA, CORPUS):
        if (folder / name).exists():
            return folder / name
    pytest.skip(f"{name} is not in tests/data nor in ../shared/corpus")
