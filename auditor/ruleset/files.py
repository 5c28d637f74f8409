"""Which files of a rules directory are rule files.

rules/ holds rule files (a top-level ``rules`` list) beside data files of other kinds, read by their
own loaders: table templates (``rules/templates``), the narrative vocabulary (``rules/narrative``)
and the code catalogue (``rules/catalogue.yaml``). A directory walk — ``rules lint DIR``,
``--rules DIR`` — takes the rule files and sets the data files aside, recognised by their top-level
keys; a file that is neither is taken as a rule file, so its loader reports what is wrong with it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from ..templates import TemplateFileError, add_template_file
from .errors import RULE_TEMPLATE
from .expr import RuleError
from .loader import MAX_FILE_BYTES, RULE_SUFFIXES

# A top-level key that marks a data file -> what it is (zh, en). A file with `rules` is a rule file.
DATA_FILE_KEYS = {
    "table": ("表格模板", "a table template"),  # rules/templates/*.yaml (auditor/templates.py)
    "templates": ("模板目录", "the template index"),
    "template": ("新增模板", "a template added by the run"),  # read by add_templates below  # rules/templates/templates.yaml (auditor/templates.py)
    "claims": ("正文词表", "the narrative vocabulary"),  # rules/narrative/claims.yaml (auditor/narrative)
    "codes": ("代码目录", "the code catalogue"),  # rules/catalogue.yaml (auditor/catalogue.py)
    "document": ("文书检查知识", "the document checks' knowledge"),  # rules/document/ (auditor/check/document)
}
_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:", re.M)  # YAML keys in column 0


@dataclass(frozen=True)
class DataFile:
    path: Path
    what_zh: str
    what_en: str


def data_file_kind(path: Path) -> Optional[tuple[str, str]]:
    """(zh, en) of what the file is when it is a YAML data file of rules/, else None (a rule file, or
    a file the rule loader should judge: unreadable, too large, not UTF-8, TOML)."""
    if path.suffix.lower() not in (".yaml", ".yml"):
        return None
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    if len(data) > MAX_FILE_BYTES:
        return None
    keys = set(_TOP_LEVEL_KEY.findall(text))
    if "rules" in keys:
        return None
    found = [DATA_FILE_KEYS[key] for key in DATA_FILE_KEYS if key in keys]
    return found[0] if found else None


def find_rule_files(paths: Iterable) -> tuple[list[Path], list[DataFile]]:
    """(rule files, data files set aside) named directly or found (*.yaml, *.yml, *.toml) in the
    directories given."""
    rules: list[Path] = []
    data: list[DataFile] = []
    for raw in paths:
        path = Path(raw)
        found = sorted(p for p in path.rglob("*") if p.suffix.lower() in RULE_SUFFIXES and p.is_file()) \
            if path.is_dir() else [path]
        for file in found:
            kind = data_file_kind(file)
            if kind is None:
                rules.append(file)
            else:
                data.append(DataFile(file, *kind))
    return rules, data


def rule_files(paths: Iterable) -> list[Path]:
    """The rule files of ``paths``: data files left out."""
    return find_rule_files(paths)[0]


def template_files(paths: Iterable) -> list[Path]:
    """The files among ``paths`` (and in their directories) that add a template (top-level ``template:``)."""
    return [item.path for item in find_rule_files(paths)[1] if item.what_en == DATA_FILE_KEYS["template"][1]]


def add_templates(paths: Iterable) -> list[str]:
    """Add the templates the files among ``paths`` describe, before any rule is read (a rule may name
    them); returns their ids. A file that cannot be used is a ``RULE-TEMPLATE`` error naming it."""
    added = []
    for path in template_files(paths):
        try:
            added.append(add_template_file(path))
        except TemplateFileError as error:
            problem = str(error).removeprefix(f"{path}: ")
            raise RuleError(RULE_TEMPLATE, f"模板文件无法使用：{problem}", f"the template file cannot be used: {problem}",
                            str(path)) from None
    return added
