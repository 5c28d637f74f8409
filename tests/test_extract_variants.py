"""The layouts REPORTS.md lists, made from real reports: every variant reads back the same cells."""
from __future__ import annotations

import random

import opencc
import pytest

from auditor.extract.tables import extract
from auditor.load import load_bytes
from auditor.synth import random_table3, random_table4, render_rows
from conftest import gold, report_path

T2S_REVERSE = opencc.OpenCC("s2t")


def read(text: str, name: str = "variant.txt"):
    return extract(load_bytes(text.encode("utf-8"), name))


def cells_of(report, table_id, table):
    return {row: {c: (None if not report.table(table_id).cell(row, c).has_value
                      else int(report.table(table_id).cell(row, c).value)) for c in cols}
            for row, cols in table.items()}


@pytest.mark.parametrize("name", ["guidong-2020.txt", "tianshui-2020.txt", "yichun-2021.txt"])
def test_traditional_characters_read_like_simplified(name):
    text = report_path(name).read_text(encoding="utf-8")
    original, converted = read(text), read(T2S_REVERSE.convert(text))
    assert converted.template.table3 == original.template.table3
    for table_id in ("table3", "table4"):
        assert converted.table(table_id).rows.keys() == original.table(table_id).rows.keys()
        for row, cells in original.table(table_id).rows.items():
            assert {c: v.value for c, v in cells.items()} == \
                   {c: v.value for c, v in converted.table(table_id).rows[row].items()}
    # the raw text is kept as printed (traditional), matching used the simplified form
    assert converted.template.confidence > 0.8


@pytest.mark.parametrize("separator", [" ", "\t", "  ", "|"])
@pytest.mark.parametrize("template", ["2019", "2021"])
@pytest.mark.parametrize("table4_by_row", [False, True])
def test_a_row_per_line(separator, template, table4_by_row):
    rng = random.Random(f"{separator}{template}")
    table3, table4 = random_table3(rng, template), random_table4(rng)
    year = 2020 if template == "2019" else 2023
    report = read(render_rows(table3, table4, template, year=year, separator=separator, table4_by_row=table4_by_row),
                  "variant.md" if separator == "|" else "variant.txt")
    assert report.template.table3 == template and report.year == year
    assert cells_of(report, "table3", table3) == table3
    assert cells_of(report, "table4", table4) == table4


def test_typos_half_width_brackets_and_inner_spaces():
    text = report_path("yichun-2021.txt").read_text(encoding="utf-8")
    for printed, typo in [("（三）不予公开", "(三)不予 公开"), ("6.属于四类过程性信息", "6．属于四类过信息"),
                          ("5.属于三类内部事务信息", "5.属于三类内部信息"),
                          ("2.其他法律行政法规禁止公开", "2.其他法律行政止公开"),
                          ("（七）总计", "(七)总 计")]:
        assert printed in text or printed.replace("（", "(").replace("）", ")") in text, printed
        text = text.replace(printed, typo).replace(printed.replace("（", "(").replace("）", ")"), typo)
    expected, _ = gold_tables_of("yichun-2021.txt")
    report = read(text)
    assert cells_of(report, "table3", expected) == expected


def gold_tables_of(name):
    from auditor.synth import gold_tables
    return gold_tables(gold(name))


def test_dashes_and_words_for_zero_are_not_zero():
    text = report_path("guidong-2020.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    report = read(text)
    cell = report.table("table3").cell("denied_1", "commercial")
    lines[cell.source.line - 1] = "/"
    changed = read("\n".join(lines))
    again = changed.table("table3").cell("denied_1", "commercial")
    assert again.state.value == "dash" and again.value is None and again.raw == "/"


def test_table4_without_its_section_title_is_found_by_its_header():
    text = report_path("guidong-2020.txt").read_text(encoding="utf-8")
    title = "四、政府信息公开行政复议、行政诉讼情况"
    assert title in text
    report = read(text.replace(title, ""))
    expected = gold("guidong-2020.txt")["table4"]
    table4 = report.table("table4")
    for row, values in expected["rows"].items():
        assert [int(table4.cell(row, c).value) for c in expected["columns"]] == values
    assert report.table("table3").cell("carried_forward", "total").value == 0


def test_unknown_typos_fall_back_to_fuzzy_matching_only_when_clear():
    from auditor.extract.tables import LabelMatch, match_record_label  # noqa: F401
    from auditor.templates import template_view
    from auditor.extract.tokens import Record, Token
    from auditor.model.report import Source

    view = template_view("table3", "2021")

    def label(text):
        token = Token("label", text, Source(file="x"), 0)
        return match_record_label(view, Record(labels=[token], values=[]))

    assert label("1.属于国家秘蜜").row == "denied_1" and label("1.属于国家秘蜜").fuzzy
    assert label("4.保护第三放合法权益").row == "denied_4"
    # too short or too far from every label: no guess
    assert label("其它").row is None
    assert label("本机关对外宣传材料").row is None


def test_a_prose_sentence_naming_new_requests_before_table_3_does_not_move_the_table():
    """A sentence of the text such as "本年新收政府信息公开申请553件，上年结转1件。" before table 3's heading
    once became the table's first row: tables 3 and 4 were then not read at all, and the sentence's claims
    were dropped as table text. The table starts at its own label row; the sentence is checked as prose."""
    from auditor.pipeline import audit_file
    from auditor.policy import RunConfig
    from auditor.ruleset import load_default_rules

    lines = report_path("yichun-2021.txt").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "收到和处理政府信息公开申请情况" in line)
    lines[at:at] = ["全年本年新收政府信息公开申请553件，上年结转1件。", ""]
    result = audit_file("yichun-prose.txt", load_default_rules(), RunConfig(),
                        data="\n".join(lines).encode("utf-8"))
    # the tables and the narrative agree; yichun never mentions 工作要点 or 上年度问题整改 (a government's report)
    assert [f.code for f in result.findings] == ["DOC-GOV-CONTENT"] * 2
    assert result.stats.relations == 435  # every relation of tables 2, 3 and 4, as for the report itself
    assert (result.claims.found, result.claims.checked, result.claims.agreed) == (12, 12, 12)
