"""Change any one number of table 3 or 4 in a report that prints every cell: an error names it."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from auditor.pipeline import audit_file
from auditor.cli.main import main
from auditor.policy import RunConfig
from auditor.extract.tables import extract
from auditor.load import load_path
from auditor.ruleset import load_default_rules
from conftest import report_path

COMPLETE_REPORTS = ["guidong-2020.txt", "tianshui-2020.txt", "yichun-2021.txt"]
RULES = load_default_rules()


def numbered_cells(path):
    report = extract(load_path(path))
    for table_id in ("table3", "table4"):
        for row, cells in report.table(table_id).rows.items():
            for column, cell in cells.items():
                if cell.has_value:
                    yield table_id, row, column, cell


def perturbed(lines: list[str], line_no: int, raw: str, new: str) -> bytes:
    changed = list(lines)
    assert changed[line_no - 1].strip() == raw.strip()
    changed[line_no - 1] = changed[line_no - 1].replace(raw.strip(), new)
    return "\n".join(changed).encode("utf-8")


@pytest.mark.parametrize("name", COMPLETE_REPORTS)
@pytest.mark.parametrize("delta", [1, 9])
def test_every_single_cell_change_is_caught_and_named(name, delta):
    path = report_path(name)
    lines = path.read_text(encoding="utf-8").split("\n")
    missed = []
    checked = 0
    for table_id, row, column, cell in numbered_cells(path):
        new_value = int(cell.value) + delta
        data = perturbed(lines, cell.source.line, cell.raw, str(new_value))
        result = audit_file(path, RULES, RunConfig(), data=data)
        named = [f for f in result.findings if f.severity.value == "error"
                 and any((c.table, c.row, c.column) == (table_id, row, column) for c in f.cells)]
        checked += 1
        if not named:
            missed.append((table_id, row, column))
    assert checked >= 7 * 23 + 15
    assert missed == []


def test_a_changed_cell_exits_1_through_the_command(tmp_path):
    path = report_path("tianshui-2020.txt")
    lines = path.read_text(encoding="utf-8").split("\n")
    cell = next(c for t, r, col, c in numbered_cells(path) if (t, r, col) == ("table3", "granted", "natural_person"))
    target = tmp_path / "tianshui-changed.txt"
    target.write_bytes(perturbed(lines, cell.source.line, cell.raw, "76"))  # printed 67: digits swapped
    result = CliRunner().invoke(main, ["check", str(target)])
    assert result.exit_code == 1
    assert "T3-ROW-TOTAL" in result.output or "T3-BALANCE" in result.output
