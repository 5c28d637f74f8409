"""`auditor extract` reproduces every gold cell of tables 3 and 4 (text, Markdown, HTML reports)."""
from __future__ import annotations

import pytest

from auditor.extract.tables import extract
from auditor.load import load_path
from conftest import gold, gold_mismatches, report_path

GOLD_REPORTS = ["guidong-2020.txt", "tianshui-2020.txt", "yichun-2021.txt", "shanghai-kewei-2024.md",
                "shanghai-bgt-2019.html", "shuyang-fgj-2023.html"]




@pytest.mark.parametrize("name", GOLD_REPORTS)
def test_every_gold_cell_is_reproduced(name):
    expected = gold(name)
    report = extract(load_path(report_path(name)))
    assert gold_mismatches(report, expected) == []
    assert report.template.table3 == expected["template_table3"]
    assert report.year == expected["year"]


@pytest.mark.parametrize("name", GOLD_REPORTS)
def test_no_extra_rows_beyond_the_template(name):
    expected = gold(name)
    report = extract(load_path(report_path(name)))
    assert set(report.table("table3").rows) == set(expected["table3"]["rows"])


def test_blank_cells_stay_blank_not_zero():
    report = extract(load_path(report_path("shanghai-kewei-2024.md")))
    cell = report.table("table3").cell("carried_forward", "total")
    assert cell.state.value == "blank" and cell.value is None


@pytest.mark.parametrize("name,year", [("yiyang-2018.txt", 2018), ("pingtan-2018.txt", 2018),
                                       ("pingtan-dishuiju-2013.txt", 2013)])
def test_pre_2019_reports_are_recognised(name, year):
    report = extract(load_path(report_path(name)))
    assert report.template.overall == "pre-2019"
    assert report.year == year
    assert "table3" not in report.tables


def test_image_only_tables_are_reported_absent_with_the_image_names():
    report = extract(load_path(report_path("guilin-2020.txt")))
    absent = [n for n in report.notes if n.code == "table-absent"]
    assert {n.table for n in absent} == {"table2", "table3", "table4"}
    assert {n.details["reason"] for n in absent} == {"images"}
    assert all("QQ圖片20210325094615.png" in n.message_zh for n in absent)


def test_table2_values_of_the_2019_template():
    report = extract(load_path(report_path("guidong-2020.txt")))
    table2 = report.table("table2")
    assert report.template.table2 == "2019"
    assert table2.cell("licensing", "change").value == -57
    assert table2.cell("licensing", "decisions").value == 56829
    amount = table2.cell("procurement", "purchase_amount")
    assert str(amount.value) == "172195991.7" and amount.unit == "元" and amount.decimals == 1


def test_table2_values_of_the_2021_template():
    report = extract(load_path(report_path("yichun-2021.txt")))
    table2 = report.table("table2")
    assert report.template.table2 == "2021"
    assert [table2.cell("normative_documents", c).value for c in ("issued", "repealed", "in_force")] == [764, 633, 2004]
    fee = table2.cell("fees", "fee_amount")
    assert str(fee.value) == "616178.201" and fee.decimals == 3


def test_cells_carry_their_source_line():
    report = extract(load_path(report_path("guidong-2020.txt")))
    cell = report.table("table3").cell("new", "natural_person")
    assert cell.raw == "4" and cell.source.line is not None
    lines = report_path("guidong-2020.txt").read_text(encoding="utf-8").splitlines()
    assert lines[cell.source.line - 1].strip() == "4"
