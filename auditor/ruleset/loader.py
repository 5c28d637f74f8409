"""Reads rule files (YAML or TOML) into compiled, validated ``Rule`` objects.

A rule file is untrusted input: YAML is read by a ``SafeLoader`` subclass that refuses anchors and
aliases (no alias bombs), duplicate keys and files over 1 MB, and remembers the line of every
mapping so each problem is reported as ``file:line``. Every rule is checked completely at load
time — keys, enum values, cell names, ``for_each`` domains, and its expansion in each template it
declares — so a loaded rule cannot fail later. ``lint_rule_files`` collects every problem instead
of stopping at the first.

Cross-report rules (``rules/crossyear/``, read by ``auditor.crossyear``) add two keys: ``scope``
(``report``, the default; ``pair``: this report and ``prev.`` cells of the same agency's report for
the year before; ``aggregate``: a parent report and its components) and ``kind`` (``expression``, the
default; ``identical_to_previous`` and ``sum_of_components``, built-in checks with no ``expr``).
``Rule.instances`` gives nothing for a rule whose scope is not ``report``, so a single-report run
never evaluates them.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Union

import yaml

from ..resources import rules_root
from ..templates import TABLE_IDS, TEMPLATE_IDS, template_view
from .expr import (Domain, Expansion, Expr, ForEach, RuleError, ViewResolver, check_for_each,
                   compile_expression, expand_instances, parse_domain, split_qualifier)

MAX_FILE_BYTES = 1024 * 1024
RULE_SUFFIXES = (".yaml", ".yml", ".toml")

SEVERITIES = ("error", "warning", "review", "info")
ON_BLANK = ("flag", "zero", "skip", "fail")
ON_MISSING = ("skip", "fail")
TOLERANCES = ("printed", "exact")
REQUIRED_KEYS = ("code", "name", "title", "severity", "expr")
OPTIONAL_KEYS = ("relation", "templates", "tables", "for_each", "on_blank", "on_missing", "tolerance", "doc",
                 "scope", "kind")
SCOPES = ("report", "pair", "aggregate")
# Built-in checks a rule may declare instead of an expression, and the scope each belongs to.
SPECIAL_KINDS = {"identical_to_previous": "pair", "sum_of_components": "aggregate"}
KINDS = ("expression",) + tuple(SPECIAL_KINDS)

_CODE = (re.compile(r"[A-Z0-9]+(-[A-Z0-9]+)*\Z"), "upper-case letters, digits and hyphens, e.g. T3-BALANCE")
_NAME = (re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*\Z"), "lower-case words joined by dots, e.g. table3.balance")
_RELATION = (re.compile(r"[A-Za-z0-9]+\Z"), "letters and digits, e.g. S1")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Rule:
    """One compiled rule: its identity, texts, options, and the expression it checks."""

    code: str
    name: str
    relation: Optional[str]
    title_zh: str
    title_en: str
    severity: str  # the default; a run's configuration may override it per code
    templates: tuple[str, ...]
    tables: tuple[str, ...]
    for_each: ForEach
    expr: str  # "" for a special kind
    compiled: Optional[Expr]  # None for a special kind
    on_blank: str
    on_missing: str
    tolerance: str
    doc_zh: str
    doc_en: str
    file: str
    line: Optional[int]
    scope: str = "report"  # report | pair | aggregate
    kind: str = "expression"  # expression | identical_to_previous | sum_of_components

    def instances(self, view_resolver: ViewResolver) -> list[tuple[dict[str, str], Expansion]]:
        """Every (bindings, relation/check/condition) of this rule for one report's templates.

        ``view_resolver(table)`` gives the report's template view of a table. A rule whose cells
        come from a table in a template it does not declare has no instances; bindings naming a
        cell the template lacks (a row of another template, a pair outside table 2's layout) are
        left out. A cross-report rule (scope other than ``report``) has none here: see
        ``auditor.crossyear``.
        """
        if self.scope != "report" or self.compiled is None:
            return []
        if any(view_resolver(table).template not in self.templates for table in self.compiled.tables):
            return []
        return expand_instances(self.compiled, self.for_each, view_resolver)[0]

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class LintMessage:
    """One problem in a rule file, as ``auditor rules lint`` prints it."""

    file: str
    line: Optional[int]
    code: str
    message: str
    severity: str = "error"  # "warning" for a redundant rule (consistency.py): the set still works

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message} [{self.code}]"


# ------------------------------------------------------------------------------- reading files


class _Mapping(dict):
    """A YAML mapping that remembers its line and the line of each key (1-based)."""

    line: Optional[int] = None
    key_lines: dict = {}


class _RuleYamlLoader(yaml.SafeLoader):
    """SafeLoader that rejects anchors, aliases and duplicate keys, and records lines."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise RuleError("YAML anchors and aliases are not allowed in rule files",
                            line=event.start_mark.line + 1, code="syntax")
        return super().compose_node(parent, index)


def _construct_mapping(loader: _RuleYamlLoader, node: yaml.MappingNode):
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    yield mapping
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise RuleError("a mapping key must be a plain value", line=key_node.start_mark.line + 1,
                            code="syntax")
        if key in mapping:
            raise RuleError(f"duplicate key {key!r}", line=key_node.start_mark.line + 1, code="syntax")
        mapping.key_lines[key] = key_node.start_mark.line + 1
        mapping[key] = loader.construct_object(value_node, deep=True)


_RuleYamlLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


@dataclass
class _Entry:
    """One rule as read from a file, before validation."""

    values: dict
    line: Optional[int]
    key_lines: dict


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise RuleError(f"rule file is larger than {MAX_FILE_BYTES} bytes", code="file")
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise RuleError(f"cannot read rule file: {exc.strerror or exc}", code="file") from None
    except UnicodeDecodeError:
        raise RuleError("rule file is not UTF-8", code="file") from None


def _yaml_entries(text: str) -> list[_Entry]:
    try:
        data = yaml.load(text, Loader=_RuleYamlLoader)  # a SafeLoader: no Python objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "cannot parse"
        if exc.context and exc.context_mark and exc.problem:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise RuleError(f"YAML syntax error: {message}", line=mark.line + 1 if mark else None,
                        code="syntax") from None
    except yaml.YAMLError as exc:
        raise RuleError(f"YAML error: {exc}", code="syntax") from None
    rules = _top_level(data, getattr(data, "key_lines", {}).get("rules"))
    return [_Entry(entry, getattr(entry, "line", None), getattr(entry, "key_lines", {})) for entry in rules]


def _toml_entries(text: str) -> list[_Entry]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise RuleError(f"TOML syntax error: {exc}", line=int(found.group(1)) if found else None,
                        code="syntax") from None
    rules = _top_level(data, None)
    # tomllib keeps no positions: find each [[rules]] header and the keys written under it.
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines) if re.match(r"\s*\[\[\s*rules\s*\]\]", line)]
    entries = []
    for index, entry in enumerate(rules):
        if index >= len(headers):  # rules = [...] written inline: no line to give
            entries.append(_Entry(entry, None, {}))
            continue
        key_lines = {}
        for number in range(headers[index] + 1, len(lines)):
            if lines[number].lstrip().startswith("["):
                break
            key = re.match(r"\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=", lines[number])
            if key:
                key_lines.setdefault(key.group(1), number + 1)
        entries.append(_Entry(entry, headers[index] + 1, key_lines))
    return entries


def _top_level(data: object, line: Optional[int]) -> list:
    """The ``rules`` list of a parsed file."""
    if not isinstance(data, dict) or "rules" not in data:
        raise RuleError("a rule file holds a `rules` list at the top", line=1, code="structure")
    unknown = sorted(str(key) for key in data if key != "rules")
    if unknown:
        raise RuleError(f"unknown top-level key(s): {', '.join(unknown)}", line=1, code="structure")
    if not isinstance(data["rules"], list):
        raise RuleError("`rules` must be a list of rules", line=line, code="structure")
    return data["rules"]


def _read_entries(path: Path) -> list[_Entry]:
    text = _read_text(path)
    return _toml_entries(text) if path.suffix == ".toml" else _yaml_entries(text)


# ------------------------------------------------------------------------------- validation


class _RuleBuilder:
    """Validates one entry into a ``Rule``, recording every problem it finds."""

    def __init__(self, entry: _Entry, file: str, problems: list[RuleError]):
        self.entry = entry
        self.values = entry.values
        self.file = file
        self.problems = problems
        self.failed = False

    def problem(self, message: str, key: Optional[str] = None, code: str = "bad-value") -> None:
        line = self.entry.key_lines.get(key, self.entry.line)
        self.problems.append(RuleError(message, self.file, line, code))
        self.failed = True

    def text(self, key: str, form: tuple[re.Pattern, str]) -> Optional[str]:
        value = self.values.get(key)
        if value is not None and (not isinstance(value, str) or not form[0].match(value)):
            self.problem(f"`{key}` must be {form[1]}, not {value!r}", key)
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: Optional[str] = None):
        value = self.values.get(key, default)
        if value is not None and value not in choices:
            self.problem(f"`{key}` must be one of {', '.join(choices)}, not {value!r}", key)
        return value

    def bilingual(self, key: str) -> tuple[str, str]:
        value = self.values.get(key)
        if value is None:
            return "", ""
        if not isinstance(value, dict) or set(value) - {"zh", "en"} or not all(
                isinstance(value.get(lang), str) and value[lang].strip() for lang in ("zh", "en")):
            self.problem(f"`{key}` must be a mapping with non-empty `zh` and `en` texts", key)
            return "", ""
        return value["zh"], value["en"]

    def id_list(self, key: str, choices: tuple[str, ...]) -> Optional[tuple[str, ...]]:
        value = self.values.get(key)
        if value is None:
            return None
        items = [str(item) if isinstance(item, int) and not isinstance(item, bool) else item
                 for item in (value if isinstance(value, list) else [value])]
        if not items or any(item not in choices for item in items):
            self.problem(f"`{key}` must be a non-empty list of {', '.join(choices)}, not {value!r}", key)
            return None
        return tuple(dict.fromkeys(items))

    def for_each(self) -> ForEach:
        value = self.values.get("for_each")
        if value is None:
            return ()
        if not isinstance(value, dict) or not value:
            self.problem("`for_each` must map variables to domains, e.g. {column: table3.columns}",
                         "for_each")
            return ()
        pairs: list[tuple[str, Domain]] = []
        for variable, domain in value.items():
            if not isinstance(variable, str) or not _VARIABLE.match(variable):
                self.problem(f"for_each variable {variable!r} is not a name", "for_each")
                continue
            try:
                pairs.append((variable, parse_domain(domain)))
            except RuleError as error:
                self.problem(f"for_each ${variable}: {error.message}", "for_each")
        return tuple(pairs)

    def expression(self, for_each: ForEach, templates: tuple[str, ...]) -> Optional[Expr]:
        """Compile ``expr`` and expand it once in every declared template."""
        text = self.values.get("expr")
        if not isinstance(text, str):
            return None
        try:
            compiled = compile_expression(text, {variable for variable, _ in for_each})
            check_for_each(compiled, for_each)
            for template in templates:
                found, skipped = expand_instances(compiled, for_each, _template_resolver(template))
                if not found:
                    reason = f": {skipped[0].message}" if skipped else ""
                    raise RuleError(f"the rule has no instance in the {template} template{reason}; "
                                    "restrict it with `templates:`", code="expression")
        except RuleError as error:
            self.problem(f"expr: {error.message}", "expr", code=error.code)
            return None
        return compiled

    def special_kind(self, kind: str, scope: str) -> None:
        """Check the keys of a built-in check (``kind`` other than ``expression``)."""
        if SPECIAL_KINDS[kind] != scope:
            self.problem(f"`kind: {kind}` needs `scope: {SPECIAL_KINDS[kind]}`", "scope")
        for key in ("expr", "for_each"):
            if key in self.values:
                self.problem(f"`{key}` is not used with `kind: {kind}`", key)

    def build(self) -> Optional[Rule]:
        values = self.values
        unknown = sorted(str(key) for key in values if key not in REQUIRED_KEYS + OPTIONAL_KEYS)
        if unknown:
            self.problem(f"unknown key(s): {', '.join(unknown)}", unknown[0], code="unknown-key")
        scope = self.choice("scope", SCOPES, "report")
        kind = self.choice("kind", KINDS, "expression")
        required = REQUIRED_KEYS if kind == "expression" else tuple(k for k in REQUIRED_KEYS if k != "expr")
        missing = [key for key in required if values.get(key) is None]
        if missing:
            self.problem(f"missing key(s): {', '.join(missing)}", code="missing-key")
        code = self.text("code", _CODE)
        name = self.text("name", _NAME)
        relation = self.text("relation", _RELATION)
        title_zh, title_en = self.bilingual("title")
        doc_zh, doc_en = self.bilingual("doc")
        severity = self.choice("severity", SEVERITIES)
        on_blank = self.choice("on_blank", ON_BLANK, "flag")
        on_missing = self.choice("on_missing", ON_MISSING, "skip")
        tolerance = self.choice("tolerance", TOLERANCES, "printed")
        templates = self.id_list("templates", TEMPLATE_IDS) or TEMPLATE_IDS
        declared_tables = self.id_list("tables", TABLE_IDS)
        if kind in SPECIAL_KINDS:
            self.special_kind(kind, scope)
            if self.failed:
                return None
            return Rule(code=code, name=name, relation=relation, title_zh=title_zh, title_en=title_en,
                        severity=severity, templates=templates, tables=declared_tables or TABLE_IDS,
                        for_each=(), expr="", compiled=None, on_blank=on_blank, on_missing=on_missing,
                        tolerance=tolerance, doc_zh=doc_zh, doc_en=doc_en, file=self.file,
                        line=self.entry.line, scope=scope, kind=kind)
        problems_before = len(self.problems)
        for_each = self.for_each()
        compiled = self.expression(for_each, templates) if len(self.problems) == problems_before else None
        if compiled is None or self.failed:
            return None
        if compiled.reports and scope != "pair":
            self.problem(f"cells of another report ({', '.join(compiled.reports)}.) need `scope: pair`", "expr")
        elif scope == "pair" and not compiled.reports:
            self.problem("a `scope: pair` rule compares with the previous report: name a prev. cell", "expr")
        elif scope == "aggregate":
            self.problem("`scope: aggregate` rules are `kind: sum_of_components`", "scope")
        if self.failed:
            return None
        read = tuple(dict.fromkeys(split_qualifier(table)[1] for table in compiled.tables))
        tables = declared_tables or read
        absent = [table for table in read if table not in tables]
        if absent:
            self.problem(f"`tables` leaves out {', '.join(absent)}, which the expression reads", "tables")
            return None
        return Rule(code=code, name=name, relation=relation, title_zh=title_zh, title_en=title_en,
                    severity=severity, templates=templates, tables=tables, for_each=for_each,
                    expr=values["expr"], compiled=compiled, on_blank=on_blank, on_missing=on_missing,
                    tolerance=tolerance, doc_zh=doc_zh, doc_en=doc_en, file=self.file,
                    line=self.entry.line, scope=scope, kind=kind)


def _template_resolver(template: str) -> ViewResolver:
    """Every table (and a qualified one, ``prev.table3``) in one template: for load-time checks."""
    return lambda table: template_view(split_qualifier(table)[1], template)


# ------------------------------------------------------------------------------- public API


def _read_rules(paths: Iterable[Union[str, Path]]) -> tuple[list[Rule], list[RuleError]]:
    """Every valid rule of the files, and every problem found in them."""
    rules: list[Rule] = []
    problems: list[RuleError] = []
    first_seen: dict[str, str] = {}
    for path in map(Path, paths):
        file = str(path)
        try:
            entries = _read_entries(path)
        except RuleError as error:
            problems.append(error.located(file, None))
            continue
        for entry in entries:
            if not isinstance(entry.values, dict):
                problems.append(RuleError("a rule must be a mapping of keys", file, entry.line, "structure"))
                continue
            code = entry.values.get("code")
            where = f"{file}:{entry.line}" if entry.line else file
            if isinstance(code, str) and code in first_seen:
                problems.append(RuleError(f"duplicate rule code {code}: first defined at {first_seen[code]}",
                                          file, entry.key_lines.get("code", entry.line), "duplicate-code"))
                continue
            if isinstance(code, str):
                first_seen[code] = where
            rule = _RuleBuilder(entry, file, problems).build()
            if rule is not None:
                rules.append(rule)
    return rules, problems


def load_rule_files(paths: Iterable[Union[str, Path]]) -> list[Rule]:
    """The rules of the given files, in file order; raises the first problem as ``RuleError``."""
    rules, problems = _read_rules(paths)
    if problems:
        raise problems[0]
    return rules


def lint_rule_files(paths: Iterable[Union[str, Path]]) -> list[LintMessage]:
    """Every problem in the given rule files (empty when they all load).

    When they all load, their linear equalities are also checked for consistency with each other
    and with the shipped rules (``consistency.py``): a contradictory rule is an error, a redundant
    one a warning. The shipped rules themselves are context, never reported.
    """
    rules, problems = _read_rules(paths)
    messages = [LintMessage(p.file or "", p.line, p.code, p.message) for p in problems]
    if not problems:
        from .consistency import check_consistency, shipped_context
        mine, context = shipped_context(rules)
        for found in sorted(check_consistency(mine, context), key=lambda f: (f.rule.file, f.rule.line or 0)):
            messages.append(LintMessage(found.rule.file, found.rule.line, found.kind, found.message,
                                        "error" if found.kind == "contradictory" else "warning"))
    return messages


def default_rule_paths() -> list[Path]:
    """The shipped rule files: every *.yaml, *.yml and *.toml under rules/checks/, sorted."""
    root = rules_root() / "checks"
    return sorted(path for path in root.rglob("*") if path.suffix in RULE_SUFFIXES and path.is_file())


def load_default_rules() -> list[Rule]:
    """The shipped rules."""
    return load_rule_files(default_rule_paths())
