"""Damaged text: table cells fused with no separator (pingtan-*.txt), recovered from the column
count and the row relation, and marked so that nothing rests on them unnoticed."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.pipeline import audit_file
from auditor.policy import RunConfig
from auditor.extract.tables import extract
from auditor.extract.fused import RowRelation, relation_for, resolve, split_fused_text, splits
from auditor.load import load_bytes, load_path
from auditor.model.report import CellState
from auditor.ruleset import load_default_rules
from conftest import gold, gold_mismatches, report_path

PINGTAN = ["pingtan-2019.txt", "pingtan-2021.txt", "pingtan-2023.txt", "pingtan-2025.txt"]
TABLE3 = relation_for(["natural_person", "commercial", "research", "social", "legal", "other_org", "total"],
                      ["natural_person", "commercial", "research", "social", "legal", "other_org"])
TABLE4 = relation_for(["upheld", "corrected", "other", "pending", "total"],
                      ["upheld", "corrected", "other", "pending"], repeat=3)


def values(resolution):
    return [int(c.value) if c.value is not None else None for c in resolution.cells]




@pytest.mark.parametrize("name", PINGTAN)
def test_every_gold_cell_of_a_fused_report_is_reproduced(name):
    expected = gold(name)
    report = extract(load_path(report_path(name)))
    assert gold_mismatches(report, expected) == []
    assert set(report.table("table3").rows) == set(expected["table3"]["rows"])
    assert report.template.table3 == expected["template_table3"]
    assert report.year == expected["year"]


@pytest.mark.parametrize("name", PINGTAN)
def test_fused_reports_audit_without_errors(name):
    result = audit_file(report_path(name), load_default_rules(), RunConfig())
    assert [f.code for f in result.findings if f.severity.value == "error"] == []


def test_the_issue_examples():
    assert values(resolve(["21710000218"], [None], TABLE3, 7)) == [217, 1, 0, 0, 0, 0, 218]
    assert values(resolve(["15130000154"], [None], TABLE3, 7)) == [151, 3, 0, 0, 0, 0, 154]
    assert values(resolve(["25380363300630003"], [None], TABLE4, 15)) == \
        [25, 3, 8, 0, 36, 3, 3, 0, 0, 6, 3, 0, 0, 0, 3]


def test_a_split_chosen_by_the_relation_is_inferred_and_says_so():
    resolution = resolve(["21710000218"], [None], TABLE3, 7)
    assert {c.state for c in resolution.cells} == {CellState.inferred}
    assert all(c.raw == "21710000218" for c in resolution.cells)
    assert "不能独立核对" in resolution.cells[0].note


def test_one_digit_per_cell_is_forced_by_the_column_count():
    resolution = resolve(["1000001"], [None], TABLE3, 7)
    assert values(resolution) == [1, 0, 0, 0, 0, 0, 1]
    # the only split, yet a split: inferred, and the note says why (a blank cell would change it)
    assert {c.state for c in resolution.cells} == {CellState.inferred}
    assert "唯一的拆分" in resolution.cells[0].note


def test_a_zero_run_fused_with_its_neighbours_is_split_the_one_way_the_columns_allow():
    # pingtan-2023 "（四）无法提供 1.本机关不掌握相关政府信息": 31,0,0,0,0,0,31 is the only split
    # into seven cells that adds up; the zeros are zeros, not blanks
    resolution = resolve(["310000031"], [None], TABLE3, 7)
    assert values(resolution) == [31, 0, 0, 0, 0, 0, 31]
    assert {c.state for c in resolution.cells} == {CellState.inferred}
    assert "唯一满足" in resolution.cells[1].note
    # spaces that survived split the zero run from its neighbours: "12 00000 12"
    assert values(resolve(["12", "00000", "12"], [None] * 3, TABLE3, 7)) == [12, 0, 0, 0, 0, 0, 12]
    # table 4's fifteen cells, the middle group all zeros
    resolution = resolve(["30003", "00000", "1200012"], [None] * 3, TABLE4, 15)
    assert values(resolution) == [3, 0, 0, 0, 3, 0, 0, 0, 0, 0, 12, 0, 0, 0, 12]
    assert {c.state for c in resolution.cells} == {CellState.inferred}


def test_cells_every_split_agrees_on_are_inferred_the_others_uncertain():
    # 22,0,0,0,0,0,22 and 2,20,0,0,0,0,22: the four zeros and the total are the same in both
    resolution = resolve(["220000022"], [None], TABLE3, 7)
    states = [c.state for c in resolution.cells]
    assert states == [CellState.uncertain, CellState.uncertain] + [CellState.inferred] * 5
    assert "2、22" in resolution.cells[0].note and "核对原件" in resolution.cells[0].note
    assert "都是 0" in resolution.cells[2].note and resolution.note_zh


def test_spaces_that_survived_are_cell_boundaries():
    assert values(resolve(["230", "000023"], [None, None], TABLE3, 7)) == [23, 0, 0, 0, 0, 0, 23]
    assert values(resolve(["23", "0", "00", "0", "023"], [None] * 5, TABLE3, 7)) == [23, 0, 0, 0, 0, 0, 23]


def test_mostly_zero_split_is_preferred_when_several_hold():
    # 22,0,0,0,0,0,22 and 2,20,0,0,0,0,22 both satisfy the row relation
    assert len(splits(["220000022"], TABLE3, 7, limit=10)[0]) == 2
    assert values(resolve(["220000022"], [None], TABLE3, 7)) == [22, 0, 0, 0, 0, 0, 22]


def test_undecidable_rows_become_missing_with_a_note():
    # 11,1,12 and 1,11,12 have as many non-zero cells: no split is preferred
    relation = RowRelation(3, (((0, 1), 2),))
    resolution = resolve(["11112"], [None], relation, 3)
    assert [c.state for c in resolution.cells] == [CellState.missing, CellState.missing, CellState.inferred]
    assert values(resolution) == [None, None, 12]  # the total is 12 in both
    assert "2 种拆分" in resolution.note_zh and "11、1" not in resolution.note_zh
    assert "1、11" in resolution.cells[0].note
    nothing = resolve(["10000025"], [None], TABLE3, 7)
    assert nothing.cells is not None and "没有任何拆分" in nothing.note_zh


def test_leading_zeros_and_plain_rows_are_left_alone():
    assert resolve(["3001", "53", "0", "0", "61", "4", "3119"], [None] * 7, TABLE3, 7).cells is None
    assert resolve(["12", "0"], [None, None], TABLE3, 7).cells is None  # too few digits
    assert resolve(["第3"], [None], TABLE3, 7).cells is None


def test_item_numbers_fused_to_numbers_go_back_to_their_labels():
    text = ("三、收到和处理政府信息公开申请情况申请人情况自然人总计一、本年新收政府信息公开申请数量801000081"
            "（三）不予公开1.属于国家秘密00000002.其他法律行政法规禁止公开00000003.危及“三安全一稳定”0000000"
            "（四）无法提供1.本机关不掌握相关政府信息4910000502.没有现成信息需要另行制作3000003五、存在的主要问题")
    segments = split_fused_text(text, ["收到和处理政府信息公开申请情况"], ["收到和处理政府信息公开申请情况"])
    rows = [(text[a:b], text[r[0]:r[1]] if r else None) for a, b, r in segments]
    assert ("1.属于国家秘密", "0000000") in rows
    assert ("2.其他法律行政法规禁止公开", "0000000") in rows
    assert ("1.本机关不掌握相关政府信息", "491000050") in rows
    assert ("2.没有现成信息需要另行制作", "3000003") in rows
    assert rows[0] == ("三、收到和处理政府信息公开申请情况", None)


def test_a_line_without_a_fused_table_is_untouched():
    text = "2025年，全区共收到政府信息公开申请154件，共办结148件，结转至2026年6件。电话：0591-23165250"
    assert split_fused_text(text, ["收到和处理政府信息公开申请情况"], []) is None


def test_pre_2019_fused_statistics_stay_pre_2019():
    report = extract(load_path(report_path("pingtan-2018.txt")))
    assert report.template.overall == "pre-2019" and "table3" not in report.tables


def test_a_finding_on_inferred_cells_says_it_rests_on_them():
    text = report_path("pingtan-2025.txt").read_text(encoding="utf-8")
    # the printed 总计 row "14710000148" becomes "14710000158": its own split still adds up (I1
    # holds for 157,1,...,158) but the column relations no longer do
    changed = text.replace("（七）总计14710000148", "（七）总计15710000158")
    assert changed != text
    result = audit_file("pingtan-2025-changed.txt", load_default_rules(), RunConfig(),
                        data=changed.encode("utf-8"))
    errors = [f for f in result.findings if f.severity.value == "error"]
    assert errors
    assert all(f.rests_on_uncertain for f in errors if any(c.row == "total" for c in f.cells))
    assert any("核对原件" in f.message_zh for f in errors)


def test_fused_cells_keep_their_source_line():
    report = extract(load_bytes(report_path("pingtan-2025.txt").read_bytes(), "pingtan-2025.txt"))
    cell = report.table("table3").cell("new", "natural_person")
    assert cell.value == 151 and cell.raw == "15130000154" and cell.source.line == 10


@pytest.mark.parametrize("name", ["table4-rows.txt", "table4-rows.html"])
def test_a_table_4_row_with_a_fused_zero_run_takes_the_only_split(name):
    # "未经复议直接起诉 1 00 0 1" (text) and <td>1</td><td>000</td><td>1</td> (HTML): five digits for
    # five cells. Before, the row was read as 1, 0, 1 (or 1, 0, 0, 1): "1" landed in 其他结果 unmarked
    report = extract(load_path(Path(__file__).parent / "data" / "fused" / name))
    cells = report.table("table4").rows["litigation_direct"]
    assert [int(c.value) for c in cells.values()] == [1, 0, 0, 0, 1]
    assert {c.state for c in cells.values()} == {CellState.inferred}
    assert "唯一的拆分" in cells["total"].note
    review = report.table("table4").rows["review"]  # a whole row stays plain
    assert [int(c.value) for c in review.values()] == [3, 0, 0, 0, 3]
    assert {c.state for c in review.values()} == {CellState.number}
    assert not [n for n in report.notes if n.code == "row-width"]
