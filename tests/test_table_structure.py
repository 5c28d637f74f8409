"""Tables 3 and 4 found by their structure (the template's header and row labels and the numbers under
them), not only by their section heading: a misspelt, missing or misplaced heading loses no table.

The reports under tests/data/structure are real reports with one heading damaged: yichun-2021 and
shuyang-fgj-2023 (text and HTML) and pingtan-2021 (page text whose cells run together)."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.extract.tables import extract, header_labels, label_coverage
from auditor.load import load_bytes, load_path
from auditor.model.report import CellState
from auditor.templates import DEFAULT_TEMPLATE, template_view
from auditor.pipeline import audit_file
from auditor.policy import RunConfig
from auditor.ruleset import load_default_rules
from conftest import gold, gold_mismatches, report_path

STRUCTURE = Path(__file__).parent / "data" / "structure"


def read(name: str):
    return extract(load_path(STRUCTURE / name))


def values(report, table: str, row: str) -> list:
    cells = report.table(table).rows[row]
    return [int(c.value) if c.value is not None else c.state.value for c in cells.values()]


@pytest.mark.parametrize("name, original", [
    ("yichun-table4-heading-misspelt.txt", "yichun-2021"),
    ("yichun-table3-no-heading.txt", "yichun-2021"),
    ("shuyang-table4-heading-misspelt.html", "shuyang-fgj-2023"),
    ("shuyang-table3-no-heading.html", "shuyang-fgj-2023"),
    ("pingtan-table4-heading-misspelt.txt", "pingtan-2021"),
])
def test_a_damaged_heading_loses_no_cell(name, original):
    report = read(name)
    assert gold_mismatches(report, gold(original)) == []
    assert not [n for n in report.notes if n.code == "table-absent" and n.table in ("table3", "table4")]


def test_table_4_under_a_misspelt_heading_is_read_in_full():
    # "四、因政府信息公开工作被申请行政复义、提起行政诉讼情况": 复义 for 复议
    report = read("yichun-table4-heading-misspelt.txt")
    assert values(report, "table4", "review") == [9, 13, 3, 3, 28]
    assert values(report, "table4", "litigation_direct") == [6, 1, 2, 0, 9]
    assert values(report, "table4", "litigation_after_review") == [2, 0, 0, 0, 2]
    html = read("shuyang-table4-heading-misspelt.html")
    assert values(html, "table4", "review") == [0, 0, 0, 1, 1]
    assert values(html, "table4", "litigation_direct") == [0] * 5


def test_table_4_of_fused_page_text_under_a_misspelt_heading():
    # the heading, the header labels and the fifteen digits run together in one line: the header
    # made of table 4's labels opens the table (before: TABLE-ABSENT)
    report = read("pingtan-table4-heading-misspelt.txt")
    assert values(report, "table4", "review") == [1, 0, 2, 0, 3]
    assert values(report, "table4", "litigation_direct") == [12, 0, 0, 0, 12]
    assert {c.state for c in report.table("table4").rows["review"].values()} == {CellState.inferred}


def test_table_3_without_its_heading_opens_at_its_header():
    report = read("yichun-table3-no-heading.txt")
    assert values(report, "table3", "new") == [530, 10, 9, 2, 2, 0, 553]
    assert values(report, "table3", "total") == [520, 10, 9, 2, 2, 0, 543]
    assert values(report, "table4", "review") == [9, 13, 3, 3, 28]
    # the table opens at its header row (自然人 …), not somewhere in table 2 or the prose
    text = (STRUCTURE / "yichun-table3-no-heading.txt").read_text(encoding="utf-8").splitlines()
    assert text[report.table("table3").source.line - 1] == "自然人"
    assert values(report, "table2", "normative_documents") == [764, 633, 2004]
    html = read("shuyang-table3-no-heading.html")
    assert values(html, "table3", "new")[0] == 26 and values(html, "table3", "new")[-1] == 26
    assert "/table[2]/" in html.table("table3").source.path  # its own table, not the page's title
    assert values(html, "table2", "normative_documents") == [8, 0, 18]


def test_table_4_printed_before_table_3():
    text = (STRUCTURE / "yichun-table3-no-heading.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith("四、"))
    end = next(i for i, line in enumerate(lines) if line.startswith("五、"))
    table3 = next(i for i, line in enumerate(lines) if "本列数据" in line)
    moved = lines[:table3] + lines[heading:end] + lines[table3:heading] + lines[end:]
    report = extract(load_bytes("\n".join(moved).encode("utf-8"), "moved.txt"))
    assert values(report, "table4", "review") == [9, 13, 3, 3, 28]
    assert values(report, "table3", "new") == [530, 10, 9, 2, 2, 0, 553]


def test_prose_naming_the_tables_is_no_header():
    view4 = template_view("table4", DEFAULT_TEMPLATE)
    labels = header_labels(view4)
    assert "结果维持" in labels and "未经复议直接起诉" in labels
    prose = "因政府信息公开工作被申请行政复议、提起行政诉讼情况：本年度未经复议直接起诉1件，结果维持。"
    assert label_coverage("结果维持结果纠正其他结果尚未审结总计未经复议直接起诉", labels) == 1.0
    # a report with no tables at all, only prose that names their labels: no table is made up
    text = ("某县2021年政府信息公开工作年度报告\n一、总体情况\n" + prose + "\n"
            "本年新收政府信息公开申请数量12件，其中自然人申请10件，商业企业申请2件。\n"
            "行政复议 2 件，结果维持 1 件，结果纠正 1 件，复议后起诉 0 件，尚未审结 0 件，总计 2 件。\n"
            "五、存在的主要问题及改进情况\n")
    report = extract(load_bytes(text.encode("utf-8"), "prose.txt"))
    assert "table3" not in report.tables and "table4" not in report.tables


@pytest.mark.parametrize("name, original", [
    ("yichun-table4-heading-misspelt.txt", "yichun-2021.txt"),
    ("yichun-table3-no-heading.txt", "yichun-2021.txt"),
    ("shuyang-table4-heading-misspelt.html", "shuyang-fgj-2023.html"),
    ("shuyang-table3-no-heading.html", "shuyang-fgj-2023.html"),
    ("pingtan-table4-heading-misspelt.txt", "pingtan-2021.txt"),
])
def test_a_damaged_heading_changes_no_finding(name, original):
    rules, config = load_default_rules(), RunConfig()

    def findings(path):
        result = audit_file(path, rules, config)
        return sorted((f.code, f.severity.value, tuple(sorted((c.table, c.row, c.column) for c in f.cells)))
                      for f in result.findings)
    assert findings(STRUCTURE / name) == findings(report_path(original))
