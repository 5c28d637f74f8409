"""Error localisation (auditor/locate.py): which cell is wrong, and what it should be.

Changes are made in the Report model (real reports from tests/data and generated tables from
auditor.synth), the report is audited with the shipped rules, and the corrections are compared
with the truth. Rates are measured over many changes and asserted, not single cases.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.pipeline import audit_report
from auditor.check.engine import run_rules
from auditor.policy import RunConfig
from auditor.extract.tables import extract
from auditor.load import load_path
from auditor.locate.search import MAX_CELLS, locate_errors
from auditor.model.report import Cell, CellState, Report, Table, TemplateGuess
from auditor.ruleset import load_default_rules, load_rule_files
from auditor.synth import random_table3, random_table4
from auditor.templates import template_view
from auditor.write.text_format import write_text

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
RULES = load_default_rules()
CONFIG = RunConfig()
COMPLETE = ["guidong-2020.txt", "tianshui-2020.txt", "yichun-2021.txt"]


# ------------------------------------------------------------------------------- helpers


def number(value: int, state: CellState = CellState.number) -> Cell:
    return Cell(state=state, value=Decimal(value), raw=str(value))


def as_report(table3: dict, table4: dict, template: str, blanks=frozenset()) -> Report:
    def table(table_id, values):
        rows = {row: {column: (Cell(state=CellState.blank, raw="") if (table_id, row, column) in blanks
                               else number(value)) for column, value in columns.items()}
                for row, columns in values.items()}
        return Table(id=table_id, found=True, rows=rows)
    guess = TemplateGuess(table3=template, table2="unknown", overall=template, confidence=1.0)
    return Report(file="generated", year=2020 if template == "2019" else 2022, template=guess,
                  tables={"table3": table("table3", table3), "table4": table("table4", table4)})


def slip_value(rng: random.Random, value: int) -> int:
    """A wrong value as people write them: digits swapped, dropped or doubled, or off by some amount."""
    text = str(value)
    choices = []
    if len(text) >= 2 and text[0] != text[1]:
        choices.append(int(text[1] + text[0] + text[2:]))
    if len(text) >= 2:
        choices.append(int(text[:-1]))
    if value > 0:
        choices.append(int(text[0] + text))
    choices += [value + rng.choice([-1, 1]) * rng.randint(1, 30), rng.randint(0, 300)]
    choices = [c for c in choices if c >= 0 and c != value]
    return rng.choice(choices) if choices else value + 1


def flat(text: str) -> str:
    """Text output without white space: the table wraps long messages."""
    return "".join(text.split())


def top(result):
    return result.corrections[0] if result.corrections else None


def cells_of(correction) -> set:
    return {(c.table, c.row, c.column, int(c.proposed)) for c in correction.cells}


def tied_top(finding) -> set:
    return {(s.table, s.row, s.column, s.proposed) for s in finding.suspects}


# ------------------------------------------------------------------------------- one cell, complete tables


def test_every_single_change_of_table3_in_real_reports_is_located():
    rng = random.Random(2024)
    total = located = 0
    for name in COMPLETE:
        report = extract(load_path(DATA / name))
        assert audit_report(report, RULES, CONFIG).corrections == []
        for row, columns in report.tables["table3"].rows.items():
            for column, cell in list(columns.items()):
                original = int(cell.value)
                columns[column] = number(slip_value(rng, original))
                result = audit_report(report, RULES, CONFIG)
                columns[column] = cell
                best = top(result)
                total += 1
                if best and best.unique and cells_of(best) == {("table3", row, column, original)}:
                    located += 1
    assert total > 450
    assert located / total >= 0.99, f"{located}/{total}"


@settings(max_examples=120, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), template=st.sampled_from(["2019", "2021"]), data=st.data())
def test_a_single_change_in_a_generated_complete_table_is_located(seed, template, data):
    rng = random.Random(seed)
    table3, table4 = random_table3(rng, template), random_table4(rng)
    view = template_view("table3", template)
    row = data.draw(st.sampled_from(view.row_ids))
    column = data.draw(st.sampled_from(view.column_ids))
    report = as_report(table3, table4, template)
    report.tables["table3"].rows[row][column] = number(slip_value(rng, table3[row][column]))
    result = audit_report(report, RULES, CONFIG)
    best = top(result)
    assert best.unique and best.rank == 1
    assert cells_of(best) == {("table3", row, column, table3[row][column])}
    errors = [f for f in result.findings if f.severity.value == "error" and f.status.value == "failed"]
    assert errors and all(f.suspects and f.suspects[0].row == row for f in errors)


# ------------------------------------------------------------------------------- table 4 and blanks: ties


def test_table4_changes_are_among_the_tied_top_suspects():
    """One equation per group: several cells can explain it. The changed cell is always a minimal
    solution; it is among the tied top suspects unless a human-slip reading ranks another above it
    (chiefly "total left at 0" when the group's other cells are all 0 — the hongze pattern)."""
    rng = random.Random(7)
    cases = among_top = among_all = not_unique = outranked_by_evidence = 0
    for _ in range(200):
        template = rng.choice(["2019", "2021"])
        table3, table4 = random_table3(rng, template), random_table4(rng)
        row = rng.choice(sorted(table4))
        column = rng.choice(sorted(table4[row]))
        report = as_report(table3, table4, template)
        original = table4[row][column]
        report.tables["table4"].rows[row][column] = number(slip_value(rng, original))
        result = audit_report(report, RULES, CONFIG)
        finding, = [f for f in result.findings if f.code == "T4-GROUP-TOTAL"]
        truth = ("table4", row, column, original)
        solutions = [c for c in result.corrections if c.relations == [finding.relation]]
        cases += 1
        among_all += any(cells_of(c) == {truth} for c in solutions)
        among_top += truth in tied_top(finding)
        not_unique += len(solutions) > 1 and not any(c.unique for c in solutions)
        if truth not in tied_top(finding):
            outranked_by_evidence += bool(finding.suspects[0].slip)
        assert all(c.unique == (len(solutions) == 1) for c in solutions)
    assert among_all == cases
    assert not_unique / cases >= 0.95
    assert among_top / cases >= 0.8, f"{among_top}/{cases}"
    assert outranked_by_evidence == cases - among_top  # never outranked by mere order


def test_table4_tie_without_evidence_lists_every_part_and_is_not_unique():
    report = _table4_report({"review": {"upheld": 3, "total": 5}})
    result = audit_report(report, RULES, CONFIG)
    assert [(c.rank, c.unique, cells_of(c)) for c in result.corrections] == [
        (1, False, {("table4", "review", "upheld", 5)}), (2, False, {("table4", "review", "corrected", 2)}),
        (3, False, {("table4", "review", "other", 2)}), (4, False, {("table4", "review", "pending", 2)}),
        (5, False, {("table4", "review", "total", 3)})]
    finding, = [f for f in result.findings if f.code == "T4-GROUP-TOTAL"]
    assert len(finding.suspects) == 5 and not finding.suspects[0].unique  # all tied for the top


def test_blank_tables_changed_cell_is_among_the_top_suspects():
    """Zeros left blank: blanks in relations that hold are fixed at 0, so the changed cell is still the
    only one-cell correction when its change is an error; a change a blank could absorb is reported as
    "not filled" (a warning naming the blank), not localised."""
    rng = random.Random(11)
    cases = errors = located = 0
    for _ in range(150):
        template = rng.choice(["2019", "2021"])
        table3, table4 = random_table3(rng, template), random_table4(rng)
        blanks = frozenset(("table3", r, c) for r, cols in table3.items() for c, v in cols.items() if v == 0)
        report = as_report(table3, table4, template, blanks=blanks)
        row, column = rng.choice([(r, c) for r in sorted(table3) for c in sorted(table3[r]) if table3[r][c]])
        original = table3[row][column]
        report.tables["table3"].rows[row][column] = number(slip_value(rng, original))
        result = audit_report(report, RULES, CONFIG)
        failed = [f for f in result.findings if f.severity.value == "error" and f.status.value == "failed"]
        cases += 1
        if not failed:
            assert any(f.status.value == "not_filled" for f in result.findings)
            continue
        errors += 1
        truth = ("table3", row, column, original)
        located += all(truth in tied_top(f) for f in failed if (row, column) in {(c.row, c.column) for c in f.cells})
        for correction in result.corrections:
            group = [c for c in result.corrections if c.group == correction.group]
            assert correction.unique == (len(group) == 1)
    assert errors / cases >= 0.8
    assert located == errors


def test_unassessable_row_sums_leave_real_ties_and_say_not_unique(tmp_path):
    """Blank-heavy rows whose sums are not assessable (on_blank: skip) constrain nothing: a wrong
    cell in a column is then one of several equally good suspects."""
    text = (ROOT / "rules" / "checks" / "table3.yaml").read_text(encoding="utf-8")
    text = text.replace("    expr: table3.$row.total == sum(table3.$row.applicants)\n",
                        "    expr: table3.$row.total == sum(table3.$row.applicants)\n    on_blank: skip\n")
    (tmp_path / "table3.yaml").write_text(text, encoding="utf-8")
    rules = load_rule_files([tmp_path / "table3.yaml", ROOT / "rules" / "checks" / "table4.yaml"])
    view = template_view("table3", "2021")
    table3 = {row: {column: 0 for column in view.column_ids} for row in view.row_ids}
    for row, value in (("granted", 4), ("partial", 3), ("total", 7), ("new", 7)):
        table3[row]["natural_person"] = value
        table3[row]["total"] = value
    blanks = frozenset(("table3", row, column) for row in view.row_ids for column in view.column_ids
                       if table3[row][column] == 0)
    table4 = {row: {column: 0 for column in ("upheld", "corrected", "other", "pending", "total")}
              for row in ("review", "litigation_direct", "litigation_after_review")}
    report = as_report(table3, table4, "2021", blanks=blanks)
    report.tables["table3"].rows["granted"]["natural_person"] = number(6)
    result = audit_report(report, rules, CONFIG)
    finding, = [f for f in result.findings if f.status.value == "failed"]
    assert ("table3", "granted", "natural_person", 4) in tied_top(finding)
    assert len(finding.suspects) > 1 and not finding.suspects[0].unique


# ------------------------------------------------------------------------------- two cells


def test_two_changes_in_different_rows_and_columns():
    rng = random.Random(5)
    cases = found = 0
    for _ in range(200):
        template = rng.choice(["2019", "2021"])
        table3, table4 = random_table3(rng, template), random_table4(rng)
        view = template_view("table3", template)
        (row1, row2), (column1, column2) = rng.sample(view.row_ids, 2), rng.sample(view.column_ids, 2)
        report = as_report(table3, table4, template)
        rows = report.tables["table3"].rows
        rows[row1][column1] = number(slip_value(rng, table3[row1][column1]))
        rows[row2][column2] = number(slip_value(rng, table3[row2][column2]))
        result = audit_report(report, RULES, CONFIG)
        truth = {("table3", row1, column1, table3[row1][column1]), ("table3", row2, column2, table3[row2][column2])}
        cases += 1
        found += any(cells_of(c) == truth for c in result.corrections)
        for correction in result.corrections:
            group = [c for c in result.corrections if c.group == correction.group]
            assert correction.unique == (len(group) == 1)
    assert found / cases >= 0.9, f"{found}/{cases}"


def test_more_changes_than_the_search_allows_say_so():
    rng = random.Random(3)
    table3, table4 = random_table3(rng, "2021"), random_table4(rng)
    report = as_report(table3, table4, "2021")
    rows = report.tables["table3"].rows
    for row, column in (("new", "natural_person"), ("granted", "commercial"), ("partial", "research"),
                        ("denied_1", "social"), ("unable_1", "legal")):
        rows[row][column] = number(table3[row][column] + 7)
    result = audit_report(report, RULES, CONFIG)
    assert len(result.corrections) == 1
    correction = result.corrections[0]
    assert correction.cells == [] and not correction.unique
    assert correction.reason == f"{MAX_CELLS} 个单元格以内的改动无法使全部勾稽关系成立"
    assert all(f.suspects == () for f in result.findings)


# ------------------------------------------------------------------------------- named cases


def _table4_report(groups: dict) -> Report:
    table4 = {row: {column: 0 for column in ("upheld", "corrected", "other", "pending", "total")}
              for row in ("review", "litigation_direct", "litigation_after_review")}
    for row, values in groups.items():
        table4[row].update(values)
    view = template_view("table3", "2021")
    table3 = {row: {column: 0 for column in view.column_ids} for row in view.row_ids}
    report = as_report(table3, table4, "2021")
    report.file, report.year, report.agency = "hongze-2023.pdf", 2023, "淮安市洪泽区人民政府"
    return report


def test_hongze_2023_totals_left_at_zero():
    report = _table4_report({"review": {"upheld": 10, "corrected": 1, "total": 0},
                             "litigation_after_review": {"pending": 5, "total": 0}})
    result = audit_report(report, RULES, CONFIG)
    first = [c for c in result.corrections if c.rank == 1]
    assert [(cells_of(c), c.reason) for c in first] == [
        ({("table4", "review", "total", 11)}, "总计漏填为 0"),
        ({("table4", "litigation_after_review", "total", 5)}, "总计漏填为 0")]
    # changing a part is the alternative, listed below; for review no single part can do it (it
    # would go negative), so that total is the only one-cell correction.
    assert first[0].unique and not first[1].unique
    alternative, = [c for c in result.corrections if c.rank == 2]
    assert alternative.group == first[1].group
    assert cells_of(alternative) == {("table4", "litigation_after_review", "pending", 0)}
    review, after = [f for f in result.findings if f.code == "T4-GROUP-TOTAL"]
    assert [(s.label, s.current, s.proposed, s.reason) for s in review.suspects] == [
        ("表四“行政复议”行“总计”列", 0, 11, "总计漏填为 0")]
    # every minimal correction is a suspect (a real tie), the slip-evidence favourite first
    assert [(s.column, s.proposed, s.unique, s.best) for s in after.suspects] == [
        ("total", 5, False, True), ("pending", 0, False, False)]
    text = flat(write_text([result]))
    assert flat("建议：表四“行政复议”行“总计”列 0 → 11（总计漏填为 0）") in text
    assert flat("建议：表四“复议后起诉”行“总计”列 0 → 5（总计漏填为 0）；不唯一") in text
    english = audit_report(report, RULES, RunConfig(lang="en"))
    assert [c.reason for c in english.corrections] == ["total left at 0", "total left at 0",
                                                       "the fewest changes that make every relation hold"]
    assert flat('suggest: Table 4 row "administrative review" column "total" 0 → 11 (total left at 0)') in flat(write_text([english], lang="en"))


def test_no_suspect_for_relations_that_are_not_assessable():
    report = _table4_report({"review": {"upheld": 3, "total": 5}})
    report.tables["table4"].rows["review"]["corrected"] = Cell(state=CellState.text, raw="见附件")
    report.tables["table4"].rows["litigation_direct"]["total"] = Cell(state=CellState.blank, raw="")
    report.tables["table4"].rows["litigation_direct"]["upheld"] = number(2)
    result = audit_report(report, RULES, CONFIG)
    statuses = sorted(f.status.value for f in result.findings if f.code == "T4-GROUP-TOTAL")
    assert statuses == ["not_assessable", "not_filled"]
    assert result.corrections == []
    assert all(f.suspects == () for f in result.findings)


def test_a_cell_read_with_doubt_asks_to_check_the_source():
    view = template_view("table3", "2021")
    table3 = {row: {column: 0 for column in view.column_ids} for row in view.row_ids}
    for row in ("new", "granted", "total"):
        table3[row]["natural_person"] = table3[row]["total"] = 67
    report = as_report(table3, random_table4(random.Random(1)), "2021")
    report.tables["table3"].rows["granted"]["natural_person"] = number(76, CellState.uncertain)
    result = audit_report(report, RULES, CONFIG)
    correction, = result.corrections
    cell, = correction.cells
    assert (cell.current, cell.proposed, cell.slip, cell.check_source) == (76, 67, "digits_swapped", True)
    assert "请先核对原件" in correction.reason
    for finding in (f for f in result.findings if f.status.value == "failed"):
        assert finding.suspects[0].check_source and "请先核对原件" in finding.suspects[0].reason
    assert flat("76 → 67（两位数字颠倒；该单元格识别存疑，请先核对原件再认定报告有误）") in flat(write_text([result]))


def test_weights_make_confirmed_cells_cost_more():
    report = _table4_report({"review": {"upheld": 3, "total": 5}})
    plain = audit_report(report, RULES, CONFIG)
    weighted = audit_report(report, RULES, RunConfig(
        cell_weights=lambda _: {("table4", "review", "upheld"): 3, "table4.review.corrected": 2}))
    assert len(plain.corrections) == 5 and len(weighted.corrections) == 3
    assert [next(iter(cells_of(c)))[2] for c in weighted.corrections] == ["other", "pending", "total"]
    # the weights passed to locate_errors directly win over the run's
    relations: list = []
    run_rules(report, RULES, CONFIG, relations)
    direct = locate_errors(report, relations, CONFIG, weights={"table4.review.total": Decimal("0.5")})
    assert [(cells_of(c), c.cost, c.unique) for c in direct] == [({("table4", "review", "total", 3)}, Decimal("0.5"), True)]


# ------------------------------------------------------------------------------- determinism


def _yichun_with_two_changes() -> Report:
    report = extract(load_path(DATA / "yichun-2021.txt"))
    rows = report.tables["table3"].rows
    rows["granted"]["natural_person"] = number(131)
    rows["unable_1"]["commercial"] = number(20)
    rows = report.tables["table4"].rows
    rows["review"]["upheld"] = number(19)
    return report


def test_output_is_deterministic():
    first = audit_report(_yichun_with_two_changes(), RULES, CONFIG).model_dump_json()
    second = audit_report(_yichun_with_two_changes(), RULES, CONFIG).model_dump_json()
    assert first == second
    script = ("import sys; sys.path.insert(0, '.'); from tests.test_locate import _yichun_with_two_changes, RULES, "
              "CONFIG; from auditor.pipeline import audit_report; "
              "print(audit_report(_yichun_with_two_changes(), RULES, CONFIG).model_dump_json())")
    other = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout.strip()
    assert other == first
    corrections = json.loads(first)["corrections"]
    assert [(c["rank"], [(x["row"], x["column"], x["proposed"]) for x in c["cells"]]) for c in corrections][:2] == [
        (1, [("granted", "natural_person", 311), ("unable_1", "commercial", 2)]), (1, [("review", "upheld", 9)])]
