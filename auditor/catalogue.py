"""The code catalogue: one lookup for every code auditor can report.

Two sources, read by one loader: ``rules/catalogue.yaml`` (every code no rule file defines: file
problems, limits, extraction doubts, internal faults, narrative claims, rule/config/usage errors)
and the shipped rule files (``rules/checks``, ``rules/crossyear``), whose codes, titles and
severities stay in the rule files. Nothing registers itself on import: the catalogue is data, read
on first use. ``python -m auditor.catalogue`` writes docs/ERRORS.md from it.

Kinds and what they mean for the run:

| kind        | reported as                           | exit |
|-------------|---------------------------------------|------|
| file        | a finding on that file; batch goes on | 1    |
| limit       | a finding on that file; batch goes on | 1    |
| extraction  | a finding on that file                | 1 at error |
| template    | a finding on that file                | by severity |
| internal    | a finding on that file; batch goes on | 1    |
| table, crossyear, aggregate, narrative, document | a finding of a check | by severity |
| rule        | ``file:line`` message; run stops      | 2    |
| config      | ``file`` message; run stops           | 2    |
| usage       | message; run stops                    | 2    |
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Optional

from .resources import read_yaml_file, rules_root
from .ruleset.errors import RULE_DUPLICATE_CODE
from .ruleset.expr import RuleError
from .ruleset.loader import RULE_SUFFIXES, load_rule_files

# Problems about one file: each has a fixture in tests/fixtures/errors/ (tests/test_error_catalogue.py).
FINDING_KINDS = frozenset({"file", "limit", "extraction", "template", "internal"})
# Findings of a check: rule files and the narrative vocabulary; their own tests cover them.
CHECK_KINDS = frozenset({"table", "template", "crossyear", "aggregate", "narrative", "document"})
# Errors that stop the run (exit 2).
STOPPING_KINDS = frozenset({"rule", "config", "usage"})
KINDS = ("file", "limit", "extraction", "template", "internal", "table", "crossyear", "aggregate", "narrative", "document",
         "rule", "config", "usage")  # the order of docs/ERRORS.md and `rules list`
SEVERITIES = ("error", "warning", "review", "info")
CATALOGUE_FILE = "catalogue.yaml"
CATALOGUE_SOURCE = f"rules/{CATALOGUE_FILE}"  # the ``source`` of its codes
SHIPPED_RULE_DIRS = ("checks", "crossyear")
_ENTRY_KEYS = {"code", "name", "kind", "severity", "title", "help"}
# A rule's kind follows its scope; a report-scope rule is "table", or "template" for the TPL-* checks of
# the template against the year (engine.py gives its findings this kind).
_SCOPE_KINDS = {"pair": "crossyear", "aggregate": "aggregate"}


class CatalogueError(ValueError):
    """rules/catalogue.yaml (or a rule set merged with it) is not a valid catalogue: a fault of the release."""


@dataclass(frozen=True)
class Problem:
    code: str
    name: str
    severity: str  # "error" | "warning" | "review" | "info" (a finding's default; the run may override)
    kind: str
    title_zh: str
    title_en: str
    help_zh: str = ""
    help_en: str = ""
    source: str = CATALOGUE_SOURCE  # or the rule file that defines the code

    @property
    def is_finding(self) -> bool:
        return self.kind not in STOPPING_KINDS

    def title(self, lang: str = "zh") -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def help(self, lang: str = "zh") -> str:
        return self.help_zh if lang == "zh" else self.help_en


# ------------------------------------------------------------------------------ loading


def _bilingual(entry: dict, key: str, where: str) -> tuple[str, str]:
    value = entry.get(key)
    if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) and value[lang] for lang in ("zh", "en")):
        raise CatalogueError(f"{where}: `{key}` needs non-empty zh and en texts")
    return value["zh"], value["en"]


def parse_catalogue(data: object, where: str = CATALOGUE_SOURCE) -> dict[str, Problem]:
    """The entries of a catalogue file (``codes:`` list), validated: keys, kind, severity, unique codes."""
    entries = data.get("codes") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CatalogueError(f"{where}: the top level is a `codes` list")
    problems: dict[str, Problem] = {}
    for number, entry in enumerate(entries, 1):
        here = f"{where}: entry {number}"
        if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
            raise CatalogueError(f"{here}: an entry has exactly the keys {', '.join(sorted(_ENTRY_KEYS))}")
        code, name, kind, severity = (entry[key] for key in ("code", "name", "kind", "severity"))
        if not isinstance(code, str) or not code or code in problems:
            raise CatalogueError(f"{here}: code {code!r} is empty or defined twice")
        if kind not in KINDS or severity not in SEVERITIES or not isinstance(name, str):
            raise CatalogueError(f"{here} ({code}): kind must be one of {KINDS}, severity one of {SEVERITIES}")
        problems[code] = Problem(code, name, severity, kind, *_bilingual(entry, "title", here),
                                 *_bilingual(entry, "help", here))
    return problems


@lru_cache(maxsize=1)
def builtin() -> dict[str, Problem]:
    """The codes of rules/catalogue.yaml: every code that no rule file defines."""
    path = rules_root() / CATALOGUE_FILE
    return parse_catalogue(read_yaml_file(path), CATALOGUE_SOURCE)


def shipped_rule_paths() -> list[Path]:
    """The shipped rule files whose codes the catalogue holds: rules/checks and rules/crossyear."""
    paths: list[Path] = []
    for folder in SHIPPED_RULE_DIRS:
        root = rules_root() / folder
        if root.is_dir():
            paths += sorted(p for p in root.rglob("*") if p.suffix in RULE_SUFFIXES and p.is_file())
    return paths


@lru_cache(maxsize=1)
def shipped_rules() -> tuple:
    """The rules of ``shipped_rule_paths()``, loaded once."""
    return tuple(load_rule_files(shipped_rule_paths()))


def rule_kind(rule) -> str:
    if rule.scope in _SCOPE_KINDS:
        return _SCOPE_KINDS[rule.scope]
    return "template" if rule.code.startswith("TPL") else "table"


def rule_problem(rule) -> Problem:
    source = Path(rule.file)
    try:  # shipped files as rules/checks/table3.yaml; a user's file as given
        shown = str(Path("rules") / source.resolve().relative_to(rules_root().resolve()))
    except ValueError:
        shown = str(source)
    return Problem(rule.code, rule.name, rule.severity, rule_kind(rule), rule.title_zh, rule.title_en,
                   rule.doc_zh or "", rule.doc_en or "", shown)


def catalogue_clashes(rules: Iterable) -> list[RuleError]:
    """A rule whose code is already a catalogue code (FILE-EMPTY, N-OUTCOME…): one code, one meaning."""
    known = builtin()
    return [RuleError(RULE_DUPLICATE_CODE, f"规则代码 {rule.code} 已是内置代码（{known[rule.code].title_zh}）",
                      f"rule code {rule.code} is already a built-in code ({known[rule.code].title_en})",
                      rule.file, rule.line)
            for rule in rules if rule.code in known]


def with_rules(rules: Iterable = ()) -> dict[str, Problem]:
    """The catalogue with the shipped rules and ``rules`` (a run's extra rule files) merged in.
    A rule whose code is a catalogue code raises ``RuleError`` (RULE-DUPLICATE-CODE)."""
    clashes = catalogue_clashes(rules)
    if clashes:
        raise clashes[0]
    merged = dict(builtin())
    for rule in (*shipped_rules(), *rules):
        merged.setdefault(rule.code, rule_problem(rule))
    return merged


@lru_cache(maxsize=1)
def _everything() -> dict[str, Problem]:
    return with_rules()


def everything() -> dict[str, Problem]:
    """Every code auditor ships: the catalogue file and the shipped rule files."""
    return dict(_everything())


class _Catalogue(Mapping):
    """``CATALOGUE``: a read-only view of ``everything()``, read on first use (importing is free)."""

    def __getitem__(self, code: str) -> Problem:
        return _everything()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(_everything())

    def __len__(self) -> int:
        return len(_everything())


CATALOGUE: Mapping[str, Problem] = _Catalogue()


def lookup(code: str) -> Optional[Problem]:
    """The code's entry; loaders spell file codes in lower case ("file-empty"), the same code."""
    found = _everything()
    return found.get(code) or found.get(code.upper())


def title(code: str, lang: str = "zh") -> str:
    problem = lookup(code)
    return problem.title(lang) if problem is not None else code


# ------------------------------------------------------------------------------ docs/ERRORS.md


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    lines = ["# Error codes", "",
             "Every finding and error auditor reports has a stable code. Generated by `python -m auditor.catalogue` "
             "from `rules/catalogue.yaml` and the shipped rule files; do not edit by hand. `auditor rules list` "
             "lists the same codes (`--kind` filters).", "",
             "Kinds: file, limit, extraction, template, internal — a finding on the file; table, crossyear, "
             "aggregate, narrative, document — a finding of a check; rule, config, usage — the run stops (exit 2).", "",
             "| code | kind | default severity | 中文 | English | 说明 | help | defined in |",
             "|---|---|---|---|---|---|---|---|"]
    for problem in sorted(everything().values(), key=lambda p: (KINDS.index(p.kind), p.code)):
        if problem.is_finding:
            severity = problem.severity
        else:  # a stopping error exits 2; a lint warning (RULE-REDUNDANT) only informs
            severity = "— (exit 2)" if problem.severity == "error" else f"{problem.severity} (exit 0)"
        lines.append(f"| `{problem.code}` | {problem.kind} | {severity} | {_cell(problem.title_zh)} | "
                     f"{_cell(problem.title_en)} | {_cell(problem.help_zh)} | {_cell(problem.help_en)} | "
                     f"{problem.source} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - writes docs/ERRORS.md
    target = Path(__file__).resolve().parents[1] / "docs" / "ERRORS.md"
    target.write_text(markdown(), encoding="utf-8")
    print(f"wrote {target}")
