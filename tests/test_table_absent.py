"""No silence on tables: a statutory table (2, 3, 4) that was not found or not read is a TABLE-ABSENT
finding of its own (a warning: it accuses no number), naming the table and why; pre-2019 reports
are exempt. The reports below are yichun-2021 with its table 2 fused, renamed, emptied or cut."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.extract.tables import extract
from auditor.load import load_path
from conftest import report_path

HEADING = "二、行政机关主动公开政府信息情况"
NEXT = "三、行政机关收到和处理政府信息公开申请情况"


def _yichun_table2() -> tuple[str, list[str], str]:
    """(text before table 2's heading, table 2's lines after its heading, text from table 3 on)."""
    text = report_path("yichun-2021.txt").read_text(encoding="utf-8")
    head, rest = text.split(HEADING + "\n", 1)
    body, tail = rest.split(NEXT, 1)
    return head, [line for line in body.splitlines() if line.strip()], NEXT + tail


def variant(tmp_path, name: str) -> str:
    head, lines, tail = _yichun_table2()
    body = {
        # pingtan style: the cells run together with no separator, the heading on its own line
        "fused": HEADING + "\n" + "".join(lines) + "\n",
        # the heading, too, runs into the cells
        "fused-heading": HEADING + "".join(lines) + "\n",
        # every row label unknown to the template: rows read, none matched
        "unmatched": HEADING + "\n" + "\n".join(re.sub(r"规章|行政规范性文件|行政许可|行政处罚|行政强制|行政事业性收费",
                                                        "某某事项", line) for line in lines) + "\n",
        "no-rows": HEADING + "\n本年度无相关数据。\n",
        "not-found": "",
    }[name]
    path = tmp_path / f"yichun-{name}.txt"
    path.write_text(head + body + tail, encoding="utf-8")
    return str(path)


def absent_notes(path: str) -> list:
    report = extract(load_path(path))
    assert {"table3", "table4"} <= set(report.tables), "tables 3 and 4 are still read"
    return [n for n in report.notes if n.code == "table-absent"]


@pytest.mark.parametrize("name, reason", [("fused", "fused"), ("fused-heading", "fused"), ("unmatched", "unmatched"),
                                          ("no-rows", "no-rows"), ("not-found", "not-found")])
def test_an_unread_table_2_is_not_assessable_and_says_why(tmp_path, name, reason):
    notes = absent_notes(variant(tmp_path, name))
    assert [(n.table, n.details["reason"]) for n in notes] == [("table2", reason)]
    assert notes[0].message_zh.startswith("表二无法核对：") and "勾稽关系均未核对" in notes[0].message_zh
    assert notes[0].message_en.startswith("table2 not assessable: ")
    if reason == "unmatched":
        assert notes[0].details["rows"] >= 5 and "读出" in notes[0].message_zh


def test_the_intact_report_has_no_absent_table():
    assert absent_notes(str(report_path("yichun-2021.txt"))) == []


def test_a_fused_table_2_is_a_warning_every_output_shows_and_ci_can_fail_on(tmp_path):
    path = variant(tmp_path, "fused")
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--format", "json", path])
    findings = json.loads(result.output)["reports"][0]["findings"]
    absent = [f for f in findings if f["code"] == "TABLE-ABSENT"]
    assert [(f["severity"], f["status"]) for f in absent] == [("warning", "problem")]
    assert "单元格粘连" in absent[0]["message"]
    assert result.exit_code == 0  # an unread table accuses no number: not an error
    assert runner.invoke(main, ["check", "--fail-on", "warning", path]).exit_code == 1
    # junit is left out: by its contract (auditor/write/junit.py) it carries error findings only
    for fmt, mark in (("text", "表二无法核对"), ("github", "::warning"), ("sarif", "TABLE-ABSENT"),
                      ("csv", "TABLE-ABSENT"), ("jsonl", "TABLE-ABSENT"), ("html", "TABLE-ABSENT")):
        output = runner.invoke(main, ["check", "--format", fmt, path]).output
        assert mark in output, fmt


@pytest.mark.parametrize("name", ["pingtan-2019.txt", "pingtan-2021.txt", "pingtan-2023.txt", "pingtan-2025.txt"])
def test_the_fused_pingtan_reports_no_longer_pass_in_silence(name):
    notes = absent_notes(str(report_path(name)))
    assert [(n.table, n.details["reason"]) for n in notes] == [("table2", "fused")]


@pytest.mark.parametrize("name", ["pingtan-dishuiju-2013.txt", "pingtan-2018.txt", "yiyang-2018.txt"])
def test_pre_2019_reports_are_exempt(name):
    report = extract(load_path(report_path(name)))
    assert report.template.overall == "pre-2019"
    assert [n for n in report.notes if n.code == "table-absent"] == []


def test_a_text_that_is_no_report_names_all_three_tables(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("2021年政府信息公开工作年度报告\n本文没有任何表格。\n", encoding="utf-8")
    report = extract(load_path(path))
    assert [(n.table, n.details["reason"]) for n in report.notes] == \
        [("table2", "not-found"), ("table3", "not-found"), ("table4", "not-found")]
