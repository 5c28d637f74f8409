"""Finds the shipped rules/ folder (inside the wheel, or beside the package in a checkout)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml


@lru_cache(maxsize=1)
def rules_root() -> Path:
    """The directory holding templates/ and the rule files."""
    packaged = resources.files("auditor").joinpath("rules")
    if packaged.is_dir():
        return Path(str(packaged))
    # Editable installs and plain checkouts keep rules/ at the repository root.
    return Path(__file__).resolve().parent.parent / "rules"


def read_yaml_resource(relative: str) -> dict:
    with open(rules_root() / relative, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}
