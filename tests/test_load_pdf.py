"""PDF reports: every gold cell of tables 3 and 4, the real errors with their pages, and the
variations of REPORTS.md §6 (tables across pages, page numbers, vertical and wrapped labels)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.extract.tables import extract
from auditor.load import LoadError, load_bytes, load_path, sniff_format
from auditor.load.geometry import Edge, Grid, find_tables, is_page_number, join_lines
from conftest import gold, gold_mismatches, report_path

PDF_REPORTS = ["huaian-2024.pdf", "hongze-2023.pdf", "hongze-2024.pdf"]






@pytest.fixture(scope="module")
def reports():
    cache = {}

    def read(name):
        if name not in cache:
            path = report_path(name)
            cache[name] = (load_path(path), None)
            cache[name] = (cache[name][0], extract(cache[name][0]))
        return cache[name]
    return read


@pytest.mark.parametrize("name", PDF_REPORTS)
def test_every_gold_cell_of_a_pdf_is_reproduced(name, reports):
    expected = gold(name)
    _, report = reports(name)
    assert gold_mismatches(report, expected) == []
    assert set(report.table("table3").rows) == set(expected["table3"]["rows"])
    assert report.template.table3 == expected["template_table3"]
    assert report.year == expected["year"]


def test_hongze_2023_reports_its_two_table4_errors_with_their_page():
    result = CliRunner().invoke(main, ["check", "--format", "json", str(report_path("hongze-2023.pdf"))])
    assert result.exit_code == 1
    findings = json.loads(result.output)["reports"][0]["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    assert sorted(c["row"] for f in errors for c in f["cells"] if c["column"] == "total") == \
        ["litigation_after_review", "review"]
    assert {f["code"] for f in errors} == {"T4-GROUP-TOTAL"}
    for finding in errors:
        assert finding["source"]["page"] == 4 and len(finding["source"]["box"]) == 4
    assert sorted((f["reported"], f["computed"]) for f in errors) == [(0, 5), (0, 11)]
    assert any(f["code"] == "TPL-TABLE3-YEAR" and f["severity"] == "warning" for f in findings)


@pytest.mark.parametrize("name", ["hongze-2024.pdf", "huaian-2024.pdf"])
def test_consistent_pdfs_have_no_error(name):
    result = CliRunner().invoke(main, ["check", "--format", "json", str(report_path(name))])
    findings = json.loads(result.output)["reports"][0]["findings"]
    assert [f for f in findings if f["severity"] == "error"] == []
    assert result.exit_code == 0
    template_warnings = [f["code"] for f in findings if f["code"] == "TPL-TABLE3-YEAR"]
    assert template_warnings == (["TPL-TABLE3-YEAR"] if name.startswith("hongze") else [])


def test_page_numbers_are_dropped_and_sources_carry_page_and_box(reports):
    document, _ = reports("huaian-2024.pdf")
    texts = [p.text for row in document.rows for p in row.pieces]
    assert not any(t.strip() in {"- 1 -", "- 4 -", "- 5 -", "- 6 -"} for t in texts)
    assert all(p.source.page and p.source.box and len(p.source.box) == 4
               for row in document.rows for p in row.pieces)
    assert {p.source.page for row in document.rows for p in row.pieces} == {1, 2, 3, 4, 5, 6}


def test_vertical_and_wrapped_labels_are_joined(reports):
    document, _ = reports("huaian-2024.pdf")
    texts = [p.text for row in document.rows for p in row.pieces]
    assert "三、本年度办理结果" in texts  # printed one character per line
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" in texts  # wrapped over two lines
    assert "5.要求行政机关确认或重新出具已获取信息" in texts


def test_a_table_split_across_pages_continues(reports):
    _, report = reports("huaian-2024.pdf")
    table = report.table("table3")
    assert table.cell("unable_1", "total").source.page == 4
    assert table.cell("unable_2", "total").source.page == 5
    assert table.cell("unable_2", "total").value == 11
    assert report.table("table4").cell("review", "total").source.page == 5


def test_the_rest_of_a_label_merged_across_a_page_break_is_no_value(reports):
    document, _ = reports("hongze-2023.pdf")
    row = next(r for r in document.rows if any(p.text == "3.补正后申请内容仍不明确" for p in r.pieces))
    assert row.kind == "cells"
    assert [p.text for p in row.pieces] == ["3.补正后申请内容仍不明确"] + ["0"] * 7


def test_pdf_is_sniffed_by_content_not_by_name():
    data = report_path("hongze-2024.pdf").read_bytes()
    assert sniff_format(data, ".txt") == "pdf"
    assert load_bytes(data, "renamed.txt").format == "pdf"


@pytest.mark.parametrize("data", [b"%PDF-1.7\n%broken\n", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"])
def test_a_broken_pdf_is_a_load_error(data):
    with pytest.raises(LoadError) as raised:
        load_bytes(data, "broken.pdf")
    assert raised.value.code in {"file-unreadable", "file-empty"}


@pytest.mark.parametrize("text, top, expected", [
    ("- 3 -", 400, True), ("— 5 —", 800, True), ("－12－", 10, True), ("第 3 页", 400, True),
    ("第3页 共6页", 820, True), ("3/6", 820, True), ("7", 830, True), ("7", 400, False),
    ("2024", 400, False), ("一、总体情况", 800, False), ("21 0 0 0", 820, False),
])
def test_page_numbers(text, top, expected):
    assert is_page_number(text, top, top + 10, 842) is expected


def test_join_lines_drops_breaks_between_cjk_only():
    assert join_lines(["三", "、", "本", "年"]) == "三、本年"
    assert join_lines(["结 果", "维持"]) == "结 果维持"
    assert join_lines(["Total", "count"]) == "Total count"


def test_lattice_rebuilds_merged_cells():
    # a 3x2 grid whose left column is one cell merged over two rows, lines slightly apart
    edges = [Edge("h", 0, 0, 200), Edge("h", 20.5, 99, 200), Edge("h", 40, 0, 200.5),
             Edge("v", 0, 0, 40), Edge("v", 100, 0, 40), Edge("v", 199.2, 0, 40)]
    tables = find_tables(edges)
    assert len(tables) == 1
    grid = Grid(tables[0])
    assert len(grid.cells) == 3
    assert grid.locate(50, 30) == grid.locate(50, 5)  # the merged cell
    assert grid.locate(150, 5) != grid.locate(150, 30)
    assert grid.origin[grid.locate(150, 30)] == (1, 1)
