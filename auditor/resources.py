"""Finds the shipped rules/ folder (inside the wheel, or beside the package in a checkout), and reads
YAML with libyaml's safe loader when PyYAML has it (several times faster than the pure one)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path


@lru_cache(maxsize=1)
def rules_root() -> Path:
    """The directory holding templates/ and the rule files."""
    packaged = resources.files("auditor").joinpath("rules")
    if packaged.is_dir():
        return Path(str(packaged))
    # Editable installs and plain checkouts keep rules/ at the repository root.
    return Path(__file__).resolve().parent.parent / "rules"


def safe_loader() -> type:
    """``yaml.CSafeLoader`` when PyYAML was built with libyaml, else ``yaml.SafeLoader`` (same results:
    tests/test_resources.py reads every shipped file with both)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(stream):
    """``yaml.safe_load`` on the fastest safe loader there is: plain data, no Python objects."""
    import yaml

    return yaml.load(stream, Loader=safe_loader())


def read_yaml_file(path: Path):
    """A shipped YAML file's data, from the data cache when this content was parsed before (no YAML
    parser imported at all when every file is cached: a faster start)."""
    from . import datacache

    data = path.read_bytes()
    key = datacache.key_of("yaml", data)
    cached = datacache.read("yaml", key)
    if cached is not None:
        return cached
    parsed = load_yaml(data.decode("utf-8"))
    if datacache.round_trips(parsed):
        datacache.write("yaml", key, parsed)
    return parsed


def read_yaml_resource(relative: str) -> dict:
    return read_yaml_file(rules_root() / relative) or {}
