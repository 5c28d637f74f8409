"""The data cache (auditor/datacache.py): parsed YAML and checked rule files are reused, a changed file
is read again, a damaged entry is ignored, and the cache can be turned off."""
from __future__ import annotations

import json

import pytest

from auditor import datacache, resources
from auditor.ruleset import loader
from auditor.ruleset.loader import default_rule_paths, load_rule_files, read_rules


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(datacache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(datacache.NO_CACHE_ENV, raising=False)
    return tmp_path / "cache"


def _entries(folder, kind):
    return sorted((datacache.cache_root() / kind).glob("*.json")) if folder.exists() else []


def _summary(rules):
    return [(r.code, r.title_zh, r.severity, r.expr, r.templates, r.tables, r.for_each, r.on_blank, r.file, r.line)
            for r in rules]


def _no_parsing(monkeypatch):
    def refuse(text):
        raise AssertionError("the rule file was parsed although the cache holds it")
    monkeypatch.setattr(loader, "_yaml_entries", refuse)


def test_checked_rule_files_are_reused_without_parsing(cache, monkeypatch):
    paths = default_rule_paths()
    first = load_rule_files(paths)
    assert len(_entries(cache, "rules")) == len(paths)
    _no_parsing(monkeypatch)
    second = load_rule_files(paths)
    assert _summary(second) == _summary(first)
    # the cached rules expand to the very same instances in every template
    for template in ("2019", "2021"):
        resolve = loader._template_resolver(template)
        assert [r.instances(resolve) for r in second] == [r.instances(resolve) for r in first]


def test_a_changed_rule_file_is_read_and_checked_again(cache, tmp_path):
    rule_file = tmp_path / "mine.yaml"
    text = (default_rule_paths()[0]).read_text(encoding="utf-8")
    title = "本年新公开数量不超过对外公开总数量"
    assert title in text
    rule_file.write_text(text, encoding="utf-8")
    assert load_rule_files([rule_file])[0].title_zh == title
    rule_file.write_text(text.replace(title, "改过的标题", 1), encoding="utf-8")
    assert load_rule_files([rule_file])[0].title_zh == "改过的标题"
    assert len(_entries(cache, "rules")) == 2  # a new key for the new content
    # a change that breaks the file is found although the old content is cached
    rule_file.write_text(text.replace("expr: table2.$row.published <=", "expr: table2.$row.nosuchcolumn <=", 1),
                         encoding="utf-8")
    rules, problems = read_rules([rule_file])
    assert [(p.code, p.line) for p in problems] == [("RULE-EXPRESSION", 13)]
    assert "T2-PUBLISHED-LE-TOTAL" not in [r.code for r in rules]


def test_a_file_with_problems_is_never_cached(cache, tmp_path):
    rule_file = tmp_path / "bad.yaml"
    rule_file.write_text("rules:\n  - code: X-1\n    name: x.y\n    title: {zh: 甲, en: a}\n    severity: error\n"
                         "    expr: table3.nosuchrow.total == 1\n", encoding="utf-8")
    rules, problems = read_rules([rule_file])
    assert problems and not rules
    assert _entries(cache, "rules") == []
    rules, again = read_rules([rule_file])
    assert [p.code for p in again] == [p.code for p in problems]


@pytest.mark.parametrize("damage", [b"", b"{not json", b"[]", b'{"key": "other", "data": {}}',
                                    b'{"data": {"entries": 5, "work": 1}}', None])
def test_a_damaged_entry_is_ignored_and_rewritten(cache, damage, monkeypatch):
    paths = default_rule_paths()
    first = load_rule_files(paths)
    for entry in _entries(cache, "rules"):
        if damage is None:  # the right key, data of the wrong shape
            key = entry.stem
            entry.write_text(json.dumps({"key": key, "data": {"entries": [{"values": 1}], "work": 3}}))
        else:
            entry.write_bytes(damage)
    assert _summary(load_rule_files(paths)) == _summary(first)
    # rewritten whole: the next load uses it again
    _no_parsing(monkeypatch)
    assert _summary(load_rule_files(paths)) == _summary(first)


def test_yaml_resources_are_cached_and_a_damaged_entry_ignored(cache, monkeypatch):
    data = resources.read_yaml_resource("templates/templates.yaml")
    [entry] = _entries(cache, "yaml")
    monkeypatch.setattr(resources, "load_yaml", lambda text: pytest.fail("parsed although cached"))
    assert resources.read_yaml_resource("templates/templates.yaml") == data
    entry.write_text('{"key": "', encoding="utf-8")
    monkeypatch.undo()
    monkeypatch.setenv(datacache.CACHE_DIR_ENV, str(cache))
    monkeypatch.delenv(datacache.NO_CACHE_ENV, raising=False)
    assert resources.read_yaml_resource("templates/templates.yaml") == data
    assert json.loads(entry.read_text(encoding="utf-8"))["data"] == data


def test_data_json_cannot_keep_is_not_cached(cache, tmp_path):
    dated = tmp_path / "dated.yaml"
    dated.write_text("when: 2024-01-02\n1: one\n", encoding="utf-8")
    first = resources.read_yaml_file(dated)
    assert resources.read_yaml_file(dated) == first
    assert _entries(cache, "yaml") == []


def test_no_cache_writes_nothing(cache, monkeypatch):
    monkeypatch.setenv(datacache.NO_CACHE_ENV, "1")
    load_rule_files(default_rule_paths())
    resources.read_yaml_resource("templates/templates.yaml")
    assert not cache.exists()


def test_an_unwritable_cache_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv(datacache.CACHE_DIR_ENV, str(blocker))  # a file where the folder should be
    monkeypatch.delenv(datacache.NO_CACHE_ENV, raising=False)
    assert load_rule_files(default_rule_paths())
