"""The shipped YAML files read the same with libyaml's safe loader and PyYAML's pure one."""
from __future__ import annotations

import pytest
import yaml

from auditor import resources
from auditor.resources import rules_root

SHIPPED = sorted(p for p in rules_root().rglob("*") if p.suffix in (".yaml", ".yml"))


def test_the_fast_loader_is_used_when_libyaml_is_there():
    expected = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
    assert resources.safe_loader() is expected


@pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False), reason="PyYAML built without libyaml")
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(rules_root())))
def test_both_loaders_read_every_shipped_file_alike(path):
    text = path.read_text(encoding="utf-8")
    assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.load(text, Loader=yaml.SafeLoader)


def test_the_pure_loader_still_serves(monkeypatch):
    monkeypatch.setattr(resources, "safe_loader", lambda: yaml.SafeLoader)
    data = resources.read_yaml_resource("templates/templates.yaml")
    assert data["default"] and data["tables"]
    assert resources.load_yaml("a: [1, 2]\n") == {"a": [1, 2]}
    with pytest.raises(yaml.constructor.ConstructorError):  # still safe: no Python objects
        resources.load_yaml("!!python/object/apply:os.system ['true']\n")
