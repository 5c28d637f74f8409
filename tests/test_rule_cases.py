"""Runs every case of tests/fixtures/cases/*.yaml: cells in, the table findings expected out."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from auditor.audit import audit_report
from auditor.engine import RunConfig
from auditor.model import Cell, CellState, Report, Table, TemplateGuess
from auditor.ruleset import load_default_rules
from auditor.templates import template_view

CASES = Path(__file__).parent / "fixtures" / "cases"
RULES = load_default_rules()


def load_cases():
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            yield pytest.param(data.get("table", "table3"), case, id=f"{path.stem}: {case['name']}")


def printed(value) -> Cell:
    if value == "missing":
        return None
    if isinstance(value, str) and value.startswith("text:"):
        return Cell(state=CellState.text, raw=value[5:])
    if value in ("", "/"):
        return Cell(state=CellState.blank if value == "" else CellState.dash, raw=value)
    text = str(value)
    return Cell(state=CellState.number, value=Decimal(text), raw=text,
                decimals=len(text.split(".")[1]) if "." in text else 0)


def build_report(table: str, template: str, overrides: dict) -> Report:
    tables = {}
    for table_id in ("table3", "table4"):
        view = template_view(table_id, template)
        rows = {row: {column: printed(0) for column in view.column_ids} for row in view.row_ids}
        if table_id == table:
            for name, value in overrides.items():
                row, column = name.split(".")
                assert row in rows and column in view.column_ids, name
                cell = printed(value)
                if cell is None:
                    rows[row].pop(column)
                else:
                    rows[row][column] = cell
        tables[table_id] = Table(id=table_id, found=True, rows=rows)
    year = 2020 if template == "2019" else 2022
    guess = TemplateGuess(table3=template, overall=template, confidence=1.0)
    return Report(file="case", year=year, template=guess, tables=tables)


@pytest.mark.parametrize("table,case", list(load_cases()))
def test_rule_case(table, case):
    report = build_report(table, case["template"], case.get("cells", {}))
    result = audit_report(report, RULES, RunConfig())
    found = sorted([f.code, f.status.value, f.cells[0].row, f.cells[0].column]
                   for f in result.findings if f.kind == "table")
    assert found == sorted(case["expect"])
