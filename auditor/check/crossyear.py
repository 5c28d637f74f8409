"""Cross-report rules: a report against last year's (``scope: pair``) and a parent report against its
components (``scope: aggregate``). The rules are files in ``rules/crossyear/`` (REPORTS.md C1–C4,
T2b, the aggregate rule), read by the same loader as the single-report rules.

Evaluation reuses the engine: the reports are combined into one ``Report`` whose tables include
qualified ones (``prev.table3`` for last year's report, ``c0.table3``, ``c1.table3``… for components),
a rule is expanded with a view resolver that gives each qualified table its own report's template,
and ``engine.evaluate_instances`` evaluates it with the engine's blank, missing and tolerance rules.
Each cell of a cross-report finding then names its ``file`` (and its table without the qualifier);
the message names both files.

Two built-in kinds need no expression (and ``XY-NEAR-IDENTICAL``, all numbers but one equal last
year's, is a built-in check of ``document/sameness.py`` that every pair runs):

* ``identical_to_previous`` (C4): every number of the tables both reports have is the same as last
  year's. Reports with few distinct non-zero numbers (an agency with no or one request both years)
  are legitimately identical, so it needs at least ``MIN_DISTINCT_NONZERO`` distinct non-zero values.
* ``sum_of_components``: for every additive cell (every count; amounts, whose units vary, are left
  out) of the rule's tables, the parent's value equals the sum of the components' values. It runs
  only when the parent and every component have the table in the same template.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from .document.sameness import NEAR_IDENTICAL, check_near_identical
from .engine import Evaluator, evaluate_instances
from ..policy import RunConfig
from ..present.labels import cell_label
from ..model.findings import Finding, FindingCell, Severity, Status
from ..model.report import Cell, Report
from ..resources import rules_root
from ..ruleset.expr import CellKey, LinearRelation, Term, cell_exists, expand_instances, split_qualifier
from ..ruleset.loader import RULE_SUFFIXES, Rule, load_rule_files
from ..templates import PRE_TEMPLATE, TableView, covers, resolve, template_view, used_template

PREVIOUS = "prev"
MIN_DISTINCT_NONZERO = 3
MAX_LISTED_CELLS = 6  # cells of each report listed in an identical_to_previous finding


def crossyear_rule_paths() -> list[Path]:
    """The shipped cross-report rule files: rules/crossyear/*.yaml, sorted."""
    root = rules_root() / "crossyear"
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix in RULE_SUFFIXES and p.is_file())


def load_crossreport_rules(paths: Optional[Iterable[Path]] = None) -> list[Rule]:
    """The cross-report rules (scope pair or aggregate) of ``paths`` (default: the shipped ones)."""
    rules = load_rule_files(crossyear_rule_paths() if paths is None else paths)
    return [rule for rule in rules if rule.scope in ("pair", "aggregate")]


# -------------------------------------------------------------------- combined reports


def table_template(report: Report, table: str) -> str:
    """The template a report's table follows ("2019", "2021", or another guess); table 4 follows table 3."""
    return report.template.table2 if table == "table2" else report.template.table3


def combined_report(report: Report, others: dict[str, Report]) -> Report:
    """``report`` with the tables of ``others`` added under qualified names (``prev.table3``)."""
    tables = dict(report.tables)
    for qualifier, other in others.items():
        for table_id, table in other.tables.items():
            tables[f"{qualifier}.{table_id}"] = table
    return Report.model_construct(file=report.file, agency=report.agency, year=report.year,
                                  template=report.template, tables=tables, notes=[], images=[])


def _resolver(reports: dict[str, Report]) -> Callable[[str], TableView]:
    def view(table: str) -> TableView:
        qualifier, base = split_qualifier(table)
        return resolve(reports[qualifier].template, base)
    return view


def _applies(rule: Rule, reports: dict[str, Report]) -> bool:
    """As ``engine.applies``, for each report a rule reads: the table found, its template declared."""
    for table in rule.compiled.tables:
        qualifier, base = split_qualifier(table)
        report = reports.get(qualifier)
        if report is None or report.template.overall == PRE_TEMPLATE or not report.table(base).found:
            return False
        if not covers(rule.templates, used_template(report.template, base)):
            return False
    return True


_EXPANDED: dict[tuple, tuple[Rule, list]] = {}


def _instances(rule: Rule, reports: dict[str, Report]) -> list:
    """The rule's instances for these reports' templates (expanded once per combination)."""
    view = _resolver(reports)
    key = (id(rule),) + tuple(view(table).template for table in rule.compiled.tables)
    cached = _EXPANDED.get(key)
    if cached is None or cached[0] is not rule:
        instances = []
        if all(covers(rule.templates, view(table).template) for table in rule.compiled.tables):
            instances = expand_instances(rule.compiled, rule.for_each, view)[0]
        cached = _EXPANDED[key] = (rule, instances)
    return cached[1]


def _placed(finding: Finding, kind: str, files: dict[str, str], zh: str, en: str, lang: str,
            labels: Optional[dict[str, str]] = None) -> Finding:
    """The finding as a cross-report one: its kind, each cell with its report's file and its plain
    table id (labels prefixed where asked), and the reports named after the message."""
    cells = []
    for cell in finding.cells:
        qualifier, base = split_qualifier(cell.table)
        prefix = labels.get(qualifier, "") if labels else ""
        cells.append(cell.model_copy(update={"table": base, "file": files.get(qualifier),
                                             "label": prefix + cell.label}))
    message_zh, message_en = finding.message_zh + zh, finding.message_en + en
    return finding.model_copy(update={"kind": kind, "cells": cells, "message_zh": message_zh, "message_en": message_en,
                                      "message": message_zh if lang == "zh" else message_en})


# -------------------------------------------------------------------- pairs (last year's report)


def evaluate_pair(previous: Report, current: Report, rules: Sequence[Rule], config: RunConfig) -> list[Finding]:
    """Findings of the ``scope: pair`` rules for a report and the same agency's report of the year before.

    The findings are the current report's (``file``); each cell names its own report's file.
    """
    reports = {"": current, PREVIOUS: previous}
    files = {"": current.file, PREVIOUS: previous.file}
    combined: Optional[Report] = None
    findings: list[Finding] = []
    for rule in rules:
        if rule.scope != "pair" or not config.enabled(rule.code):
            continue
        if rule.kind == "identical_to_previous":
            finding = _identical(rule, previous, current, config)
            found = [finding] if finding else []
        elif rule.compiled is not None and _applies(rule, reports):
            combined = combined or combined_report(current, {PREVIOUS: previous})
            found = evaluate_instances(Evaluator(combined, config), rule, _instances(rule, reports))
        else:
            continue
        note_zh = f"；{rule.doc_zh}" if rule.doc_zh and rule.kind == "expression" else ""
        note_en = f"; {rule.doc_en}" if rule.doc_en and rule.kind == "expression" else ""
        zh = f"（本报告：{current.file}；上年报告：{previous.file}{note_zh}）"
        en = f" (this report: {current.file}; last year's: {previous.file}{note_en})"
        findings += [_placed(finding, "crossyear", files, zh, en, config.lang) for finding in found]
    if config.enabled(NEAR_IDENTICAL):  # built in (auditor/check/document/sameness.py), not a rule file
        findings += check_near_identical(previous, current, config)
    return findings


def _numbers(report: Report, table: str) -> dict[tuple[str, str], Decimal]:
    return {(row, column): cell.value for row, columns in report.table(table).rows.items()
            for column, cell in columns.items() if cell.has_value}


def _identical(rule: Rule, previous: Report, current: Report, config: RunConfig) -> Optional[Finding]:
    """C4: every number of the tables both reports have equals last year's."""
    compared: list[tuple[str, str, str]] = []
    for table in rule.tables:
        if not (previous.table(table).found and current.table(table).found):
            continue
        if table_template(previous, table) != table_template(current, table):
            return None  # different layouts cannot be a copy
        now, before = _numbers(current, table), _numbers(previous, table)
        if now != before:
            return None
        compared += [(table, row, column) for row, column in now]
    if not compared:
        return None
    nonzero = [key for key in compared if _numbers_value(current, key) != 0]
    if len({_numbers_value(current, key) for key in nonzero}) < MIN_DISTINCT_NONZERO:
        return None
    cells: list[FindingCell] = []
    for table, row, column in nonzero[:MAX_LISTED_CELLS]:
        for qualifier, report in (("", current), (PREVIOUS, previous)):
            key = CellKey(f"{qualifier}.{table}" if qualifier else table, row, column)
            cell: Cell = report.table(table).cell(row, column)
            cells.append(FindingCell(table=key.table, row=row, column=column, label=cell_label(key, current.template),
                                     raw=cell.raw, value=cell.value, state=cell.state.value, source=cell.source))
    severity = Severity(rule.severity)
    zh = f"{rule.title_zh}：表格中的 {len(compared)} 个数字与上年报告完全相同"
    en = f"{rule.title_en}: all {len(compared)} numbers of the tables equal last year's"
    return Finding(code=rule.code, name=rule.name, severity=severity, status=Status.failed, kind="crossyear",
                   message=zh if config.lang == "zh" else en, message_zh=zh, message_en=en,
                   relation=rule.relation, cells=cells, file=current.file,
                   source=cells[0].source if cells else None)


def _numbers_value(report: Report, key: tuple[str, str, str]) -> Optional[Decimal]:
    table, row, column = key
    return report.table(table).cell(row, column).value


# -------------------------------------------------------------------- aggregates (parent = sum of components)


_AGGREGATE_RELATIONS: dict[tuple[str, str, int], list] = {}


def _sum_relations(table: str, template: str, count: int) -> list:
    """(bindings, relation) for every additive cell of a table: parent == c0 + c1 + … ."""
    key = (table, template, count)
    if key not in _AGGREGATE_RELATIONS:
        view = template_view(table, template)
        instances = []
        for row in view.row_ids:
            for column in view.column_ids:
                spec = view.column(column)
                if not cell_exists(view, row, column) or (spec is not None and spec.kind == "amount"):
                    continue
                parent = (Term(1, CellKey(table, row, column)),)
                parts = tuple(Term(1, CellKey(f"c{i}.{table}", row, column)) for i in range(count))
                text = f"{table}.{row}.{column} == sum(components.{table}.{row}.{column})"
                instances.append(({"row": row, "column": column},
                                  LinearRelation(parent, Decimal(0), "==", parts, Decimal(0), text)))
        _AGGREGATE_RELATIONS[key] = instances
    return _AGGREGATE_RELATIONS[key]


def evaluate_aggregate(parent: Report, components: Sequence[Report], rules: Sequence[Rule],
                       config: RunConfig) -> list[Finding]:
    """Findings of the ``scope: aggregate`` rules: each additive cell of the parent's report equals the
    sum of its components' cells (the component set is taken as complete and non-overlapping)."""
    if not components:
        return []
    others = {f"c{i}": report for i, report in enumerate(components)}
    files = {"": parent.file, **{q: r.file for q, r in others.items()}}
    labels = {q: f"{r.agency or r.file}：" for q, r in others.items()}
    combined: Optional[Report] = None
    findings: list[Finding] = []
    for rule in rules:
        if rule.scope != "aggregate" or rule.kind != "sum_of_components" or not config.enabled(rule.code):
            continue
        for table in rule.tables:
            everyone = [parent, *components]
            if any(r.template.overall == PRE_TEMPLATE or not r.table(table).found for r in everyone):
                continue
            templates = {table_template(r, table) for r in everyone}
            if len(templates) != 1:
                continue
            template = used_template(parent.template, table)
            if not covers(rule.templates, template):
                continue
            combined = combined or combined_report(parent, others)
            relations = _sum_relations(table, template, len(components))
            for finding in evaluate_instances(Evaluator(combined, config), rule, relations):
                findings.append(_placed(finding, "aggregate", files,
                                        f"（汇总报告：{parent.file}；{len(components)} 份组成单位报告）",
                                        f" (aggregate report: {parent.file}; {len(components)} component reports)",
                                        config.lang, labels))
    return findings
