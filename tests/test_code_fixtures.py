"""Runs every case of tests/fixtures/codes/CODE.yaml (format: tests/fixtures/codes/README.md): an input
built from the case's data, the findings of that one code expected out as [status, first cell]."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Optional

import pytest
import yaml

import auditor.check.crossyear as crossyear
from auditor.pipeline import audit_report
from auditor.check.crossyear import evaluate_aggregate, evaluate_pair, load_crossreport_rules
from auditor.check.engine import run_rules
from auditor.policy import RunConfig
from auditor.extract.tables import extract
from auditor.load import load_bytes
from auditor.model.findings import Finding
from auditor.model.report import Cell, CellState, Report, Table, TemplateGuess
from auditor.check.document import CHECKS as DOCUMENT_CHECKS, Context, check_of
from auditor.check.document.sameness import COPIED_TEXT, NEAR_IDENTICAL, changed_cells, check_copied_text, \
    comparable_paragraphs, narrative_paragraphs
from auditor.check.narrative.check import check_narrative
from auditor.corpus.batch import CHANGED, INCOMPLETE, BatchOptions, run_batch
from auditor.corpus.store import Store
from auditor.check.narrative.claims import extract_claims, load_vocabulary
from auditor.ruleset import load_default_rules
from auditor.synth import render_rows
from auditor.ruleset.expr import cell_exists
from auditor.templates import template_view

CODES = Path(__file__).parent / "fixtures" / "codes"
CONFIG = RunConfig()
TABLE_RULES = {rule.code: rule for rule in load_default_rules()}
CROSS_RULES = {rule.code: rule for rule in load_crossreport_rules()}


def narrative_codes() -> set[str]:
    vocabulary = load_vocabulary()
    return {spec.code for spec in vocabulary.claims.values()} | {
        vocabulary.percent_code, vocabulary.yoy_code, vocabulary.list_code, vocabulary.list_code_pre2019,
        vocabulary.not_checked_code}


NARRATIVE = narrative_codes()
DOCUMENT = {code for check in DOCUMENT_CHECKS.values() for code in check.codes}
PAIR_DOCUMENT = {NEAR_IDENTICAL, COPIED_TEXT}  # built-in pair checks (auditor/check/document/sameness.py)
BATCH_CODES = {CHANGED, INCOMPLETE}  # what a batch finds between runs and in the hierarchy
SHIPPED = set(TABLE_RULES) | set(CROSS_RULES) | NARRATIVE | DOCUMENT | PAIR_DOCUMENT | BATCH_CODES
STATUSES = {"failed", "not_filled", "not_assessable", "problem"}  # problem: a batch finding with no relation
SEVERITIES = {"error", "warning", "review", "info"}


def fixture_files() -> list[Path]:
    return sorted(CODES.glob("*.yaml"))


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_cases():
    for path in fixture_files():
        data = read(path)
        for case in data["cases"]:
            yield pytest.param(data["code"], case, id=f"{data['code']}: {case['name']}")


# ------------------------------------------------------------------ building reports


def printed(value) -> Optional[Cell]:
    """A cell as a case writes it: number, "" blank, "/" dash, "missing" (None), "text:…"."""
    if value == "missing":
        return None
    if isinstance(value, str) and value.startswith("text:"):
        return Cell(state=CellState.text, raw=value[5:])
    if value in ("", "/"):
        return Cell(state=CellState.blank if value == "" else CellState.dash, raw=value)
    text = str(value)
    return Cell(state=CellState.number, value=Decimal(text), raw=text,
                decimals=len(text.split(".")[1]) if "." in text else 0)


def templates_of(spec: dict) -> dict[str, str]:
    """{table2: …, table3: …}: `template` is one id for both or a mapping per table."""
    template = spec.get("template", "2021")
    if isinstance(template, dict):
        return {"table2": str(template.get("table2", "2021")), "table3": str(template.get("table3", "2021"))}
    return {"table2": str(template), "table3": str(template)}


def default_year(templates: dict[str, str]) -> int:
    return 2020 if templates["table3"] == "2019" else 2022


def zero_rows(table: str, template: str) -> dict[str, dict[str, Cell]]:
    """Every cell of the template's table printed 0: consistent for every rule."""
    view = template_view(table, template)
    return {row: {column: printed(0) for column in view.column_ids if cell_exists(view, row, column)}
            for row in view.row_ids}


def build_report(spec: dict, file: str = "case", year: Optional[int] = None) -> Report:
    templates = templates_of(spec)
    tables = {}
    for table_id in ("table2", "table3", "table4"):
        template = templates["table2" if table_id == "table2" else "table3"]
        tables[table_id] = Table(id=table_id, found=True, rows=zero_rows(table_id, template))
    for name, value in (spec.get("cells") or {}).items():
        table_id, row, column = name.split(".")
        view = template_view(table_id, templates["table2" if table_id == "table2" else "table3"])
        assert cell_exists(view, row, column), f"{name} is not a cell of the {view.template} template"
        cell = printed(value)
        if cell is None:
            tables[table_id].rows[row].pop(column)
        else:
            tables[table_id].rows[row][column] = cell
    overall = templates["table3"] if templates["table2"] == templates["table3"] else "hybrid"
    guess = TemplateGuess(table2=templates["table2"], table3=templates["table3"], overall=overall, confidence=1.0)
    year = spec.get("year", year if year is not None else default_year(templates))
    return Report(file=file, year=year, template=guess, tables=tables)


def inherit(spec: dict, case: dict) -> dict:
    """Last year's report or a component: the case's template unless it names its own."""
    return {"template": case.get("template", "2021"), **spec}


def narrative_text(case: dict) -> str:
    """The prose after a title; with a `template`, tables 3 and 4 follow, rendered one row per line."""
    if "template" not in case:
        return case["text"]
    report = build_report(case)
    template = report.template.table3
    values = {t: {row: {column: cell.raw for column, cell in cells.items()}
                  for row, cells in report.tables[t].rows.items()} for t in ("table3", "table4")}
    assert all(raw.lstrip("-").replace(".", "").isdigit() for t in values.values() for r in t.values()
               for raw in r.values()), "narrative cases print numbers only"
    lines = render_rows(values["table3"], values["table4"], template, report.year).splitlines()
    return "\n".join(lines[:2] + ["一、总体情况", case["text"].strip()] + lines[2:]) + "\n"


# ------------------------------------------------------------------ running a case


def run_table(code: str, case: dict):
    report = build_report(case)
    # Only the rule under test: its stats say whether it was evaluated at all.
    findings, stats = run_rules(report, [TABLE_RULES[code]], CONFIG)
    result = audit_report(report, list(TABLE_RULES.values()), CONFIG)  # the whole rule set agrees
    assert sorted(finding_keys(findings)) == sorted(finding_keys(f for f in result.findings if f.code == code))
    return findings, stats.relations > 0


def run_cross(code: str, case: dict, monkeypatch):
    evaluated = []
    real = crossyear.evaluate_instances

    def counting(evaluator, rule, instances, relations=None):
        evaluated.extend(instances)
        return real(evaluator, rule, instances, relations)

    monkeypatch.setattr(crossyear, "evaluate_instances", counting)
    rule = CROSS_RULES[code]
    current = build_report(case, file="this.txt")
    if rule.scope == "pair":
        previous = build_report(inherit(case["previous"], case), file="last.txt", year=current.year - 1)
        findings = evaluate_pair(previous, current, [rule], CONFIG)
        if rule.kind == "identical_to_previous":  # no instances: it compares whole tables
            evaluated.append(True)
    else:
        components = [build_report(inherit(c, case), file=f"part{i}.txt", year=current.year) for i, c in
                      enumerate(case["components"])]
        findings = evaluate_aggregate(current, components, [rule], CONFIG)
    return findings, bool(evaluated)


def run_narrative(code: str, case: dict):
    text = narrative_text(case)
    document = load_bytes(text.encode("utf-8"), "report.txt")
    report = extract(document)
    if "previous" in case:  # audit_file never passes last year's report: the checker is called directly
        previous = build_report(inherit(case["previous"], case), file="last.txt", year=report.year - 1)
        findings, _ = check_narrative(report, document, CONFIG, previous=previous)
    else:
        findings = audit_report(report, list(TABLE_RULES.values()), CONFIG, document).findings
    claims = extract_claims(document, report)
    evaluated = bool(claims) if code == load_vocabulary().not_checked_code else any(c.code == code for c in claims)
    return [f for f in findings if f.code == code], evaluated


def run_document(code: str, case: dict):
    """A document code: the case's text (a whole report, or with `template` the prose around rendered
    tables) through load → extract → audit_report; `published` is the date --published would give."""
    text = narrative_text(case) if "template" in case else case["text"]
    document = load_bytes(text.encode("utf-8"), "report.txt")
    report = extract(document)
    config = RunConfig(published={"*": dt.date.fromisoformat(str(case["published"]))}) if "published" in case else CONFIG
    findings = audit_report(report, list(TABLE_RULES.values()), config, document).findings
    evaluated = check_of(code).applies(Context(report, document, config, config.published_on(report.file)))
    return [f for f in findings if f.code == code], evaluated


def run_pair_document(code: str, case: dict):
    """XY-NEAR-IDENTICAL through evaluate_pair (every pair runs it); XY-COPIED-TEXT on two texts."""
    if code == NEAR_IDENTICAL:
        current = build_report(case, file="this.txt")
        previous = build_report(inherit(case["previous"], case), file="last.txt", year=current.year - 1)
        return evaluate_pair(previous, current, [], CONFIG), changed_cells(previous, current) is not None
    document = load_bytes(case["text"].encode("utf-8"), "this.txt")
    previous = load_bytes(case["previous_text"].encode("utf-8"), "last.txt")
    texts = [narrative_paragraphs(d) for d in (previous, document)]  # what the store keeps of each
    findings = check_copied_text(*texts, extract(document), "last.txt", CONFIG)
    return findings, all(comparable_paragraphs(t) for t in texts)


FILLER = "本年度政府信息公开工作有序开展。"
SAMPLE_AGENCY = "示例县人民政府"  # the agency narrative_text's title names


def _rendered(spec: dict, case: dict, agency: str = SAMPLE_AGENCY) -> str:
    return narrative_text({**inherit(spec, case), "text": spec.get("text", FILLER)}).replace(SAMPLE_AGENCY, agency)


def run_batch_case(code: str, case: dict, tmp_path: Path):
    """XY-CHANGED: `previous` is the version stored first at the same path, the case the one that
    replaces it. AGG-INCOMPLETE: the case is the parent (某市人民政府), `components` the hierarchy's
    members (`agency`, and `missing: true` for one with no report)."""
    folder, db = tmp_path / "in", tmp_path / "store.db"
    folder.mkdir()
    options = BatchOptions(jobs=1)
    if code == CHANGED:
        path = folder / "report.txt"
        path.write_text(_rendered(case["previous"], case), encoding="utf-8")
        run_batch([folder], db, options)
        path.write_text(_rendered(case, case), encoding="utf-8")
        evaluated = run_batch([folder], db, options).audited == 1  # the new content met the stored one
    else:
        (folder / "parent.txt").write_text(_rendered(case, case, "某市人民政府"), encoding="utf-8")
        names = [component["agency"] for component in case["components"]]
        for number, component in enumerate(case["components"]):
            if not component.get("missing"):
                (folder / f"c{number}.txt").write_text(_rendered(component, case, component["agency"]), encoding="utf-8")
        hierarchy = tmp_path / "hierarchy.yaml"
        hierarchy.write_text(yaml.safe_dump({"某市人民政府": names}, allow_unicode=True), encoding="utf-8")
        run_batch([folder], db, BatchOptions(jobs=1, hierarchy=hierarchy))
        with Store(db) as store:
            evaluated = store.db.execute("SELECT COUNT(*) FROM links WHERE kind = 'aggregate'").fetchone()[0] == 1
    with Store(db) as store:
        found = [f for f in store.findings_of() if f["code"] == code]
    findings = [Finding.model_validate({**f["data"], "message": f["message"], "cells": f["cells"]}) for f in found]
    return findings, evaluated


def finding_keys(findings, with_severity: bool = False):
    keys = []
    for f in findings:
        cell = f"{f.cells[0].table}.{f.cells[0].row}.{f.cells[0].column}" if f.cells else None
        keys.append([f.status.value, cell] + ([f.severity.value] if with_severity else []))
    return keys


@pytest.mark.parametrize("code,case", list(load_cases()))
def test_code_case(code, case, monkeypatch, tmp_path):
    if code in BATCH_CODES:
        findings, evaluated = run_batch_case(code, case, tmp_path)
    elif code in TABLE_RULES:
        findings, evaluated = run_table(code, case)
    elif code in CROSS_RULES:
        findings, evaluated = run_cross(code, case, monkeypatch)
    elif code in DOCUMENT:
        findings, evaluated = run_document(code, case)
    elif code in PAIR_DOCUMENT:
        findings, evaluated = run_pair_document(code, case)
    else:
        findings, evaluated = run_narrative(code, case)
    findings = [f for f in findings if f.code == code]
    assert evaluated, "the code is not evaluated on this input: the case proves nothing"
    expected = case["expect"]
    # an entry may add a third element, the severity: compared for the findings such an entry names
    with_severity = {tuple(e[:2]) for e in expected if len(e) == 3}
    found = [k if tuple(k[:2]) in with_severity else k[:2] for k in finding_keys(findings, with_severity=True)]
    assert sorted(found, key=str) == sorted(expected, key=str)


# ------------------------------------------------------------------ the fixture files themselves


def test_every_shipped_code_has_a_passing_and_a_failing_case():
    cases: dict[str, list[dict]] = {}
    for path in fixture_files():
        data = read(path)
        cases[data["code"]] = data["cases"]
    missing = sorted(SHIPPED - set(cases))
    assert not missing, f"no fixture file for {missing}"
    for code in SHIPPED:
        assert any(c["expect"] == [] for c in cases[code]), f"{code}: no passing case"
        assert any(c["expect"] for c in cases[code]), f"{code}: no failing case"


def test_every_fixture_file_names_a_shipped_code_and_is_well_formed():
    assert fixture_files(), CODES
    for path in fixture_files():
        data = read(path)
        assert data["code"] in SHIPPED, f"{path.name}: {data['code']} is not a code of the shipped rules"
        assert path.stem == data["code"], f"{path.name} holds the cases of {data['code']}"
        names = [c["name"] for c in data["cases"]]
        assert len(names) == len(set(names)), f"{path.name}: case names repeat"
        for case in data["cases"]:
            assert set(case) <= {"name", "template", "year", "cells", "previous", "components", "text", "expect",
                                 "published", "previous_text"}, \
                (path.name, case["name"])
            for entry in case["expect"]:
                assert entry[0] in STATUSES and (len(entry) == 2 or entry[2] in SEVERITIES), (path.name, entry)


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_the_all_zero_base_is_consistent(template):
    # every case overrides this base: a rule firing on it would make every other case ambiguous
    report = build_report({"template": template})
    assert audit_report(report, list(TABLE_RULES.values()), CONFIG).findings == []
    previous = build_report({"template": template}, file="last.txt", year=report.year - 1)
    assert evaluate_pair(previous, report, list(CROSS_RULES.values()), CONFIG) == []
    assert evaluate_aggregate(report, [previous.model_copy(update={"year": report.year})] * 2,
                              list(CROSS_RULES.values()), CONFIG) == []
