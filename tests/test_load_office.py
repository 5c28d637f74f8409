"""Word and spreadsheet reports: tables 3 and 4 written from gold values (merged cells as real
reports merge them) read back exactly; .doc/.wps go through LibreOffice when it is there."""
from __future__ import annotations

import io
import os
import stat
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from auditor.extract.tables import extract
from auditor.load import LoadError, load_bytes, sniff_format
from auditor.load.office import find_soffice
from auditor.synth import xlsx_from_rows
from auditor.templates import template_view
from conftest import gold, gold_mismatches

GOLD_REPORTS = ["huaian-2024.pdf", "hongze-2023.pdf", "shanghai-bgt-2019.html", "yichun-2021.txt"]
OUTCOME = "三、本年度办理结果"


def table3_layout(expected):
    """Rows of (label cells, values): three label columns as printed reports have them."""
    view = template_view("table3", expected["template_table3"])
    rows = []
    for spec in view.rows:
        group, _, item = spec.zh.partition(" ")
        values = expected["table3"]["rows"][spec.id]
        if spec.id in ("new", "carried_over", "carried_forward"):
            rows.append(([group, None, None], values))
        elif item:
            rows.append(([OUTCOME, group, item], values))
        else:
            rows.append(([OUTCOME, group, None], values))
    return rows


def table4_values(expected):
    return [v for row in ("review", "litigation_direct", "litigation_after_review")
            for v in expected["table4"]["rows"][row]]


def text(value):
    return "" if value is None else str(value)


# ------------------------------------------------------------------ DOCX

def _merge_runs(table, column, keys, offset=3):
    """Merge a column down each run of rows that share a (non-None) key, as Word does."""
    i = 0
    while i < len(keys):
        j = i
        while j + 1 < len(keys) and keys[i] is not None and keys[j + 1] == keys[i]:
            j += 1
        if keys[i] is not None and j > i:
            top = table.cell(i + offset, column)
            top.merge(table.cell(j + offset, column))
            top.text = keys[i]
        i = j + 1


def make_docx(expected) -> bytes:
    document = docx.Document()
    document.add_paragraph(f"某市{expected['year']}年政府信息公开工作年度报告")
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    layout = table3_layout(expected)
    table = document.add_table(rows=3 + len(layout), cols=10)
    header = table.cell(0, 0).merge(table.cell(2, 2))
    header.text = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    table.cell(0, 3).merge(table.cell(0, 9)).text = "申请人情况"
    table.cell(1, 3).merge(table.cell(2, 3)).text = "自然人"
    table.cell(1, 4).merge(table.cell(1, 8)).text = "法人或其他组织"
    table.cell(1, 9).merge(table.cell(2, 9)).text = "总计"
    for column, name in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"], start=4):
        table.cell(2, column).text = name
    for index, (labels, values) in enumerate(layout):
        row = index + 3
        for column, label in enumerate(labels):
            if label is not None:
                table.cell(row, column).text = label
        if labels[1] is None:
            table.cell(row, 0).merge(table.cell(row, 2)).text = labels[0]
        elif labels[2] is None:
            table.cell(row, 1).merge(table.cell(row, 2)).text = labels[1]
        for offset, value in enumerate(values):
            table.cell(row, 3 + offset).text = text(value)
    _merge_runs(table, 0, [labels[0] if labels[0] == OUTCOME else None for labels, _ in layout])
    _merge_runs(table, 1, [labels[1] if labels[2] is not None else None for labels, _ in layout])
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    table4 = document.add_table(rows=4, cols=15)
    table4.cell(0, 0).merge(table4.cell(1, 4)).text = "行政复议"
    table4.cell(0, 5).merge(table4.cell(0, 14)).text = "行政诉讼"
    table4.cell(1, 5).merge(table4.cell(1, 9)).text = "未经复议直接起诉"
    table4.cell(1, 10).merge(table4.cell(1, 14)).text = "复议后起诉"
    for column in range(15):
        table4.cell(2, column).text = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"][column % 5]
        table4.cell(3, column).text = text(table4_values(expected)[column])
    document.add_paragraph("五、存在的主要问题及改进情况")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ XLSX (written by hand: the format is small)

make_xlsx = xlsx_from_rows  # the workbook writer lives in auditor/synth.py


def report_sheet(expected):
    layout = table3_layout(expected)
    rows: list[list] = [[f"某市{expected['year']}年政府信息公开工作年度报告"], ["三、收到和处理政府信息公开申请情况"],
                        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", None, None, "申请人情况"],
                        [None, None, None, "自然人", "法人或其他组织", None, None, None, None, "总计"],
                        [None, None, None, None, "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]]
    merges = ["A3:C5", "D3:J3", "D4:D5", "E4:I4", "J4:J5"]
    first = len(rows)
    for labels, values in layout:
        rows.append(list(labels) + list(values))
    # the outcome label merged down its rows, each group merged down its items
    outcome_rows = [first + i for i, (labels, _) in enumerate(layout) if labels[0] == OUTCOME]
    merges.append(f"A{outcome_rows[0] + 1}:A{outcome_rows[-1] + 1}")
    for r in outcome_rows[1:]:
        rows[r][0] = None
    rows.append(["四、政府信息公开行政复议、行政诉讼情况"])
    rows.append(["行政复议"] + [None] * 4 + ["行政诉讼"])
    rows.append([None] * 5 + ["未经复议直接起诉"] + [None] * 4 + ["复议后起诉"])
    rows.append(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3)
    rows.append(table4_values(expected))
    rows.append(["五、存在的主要问题及改进情况"])
    return rows, merges






@pytest.mark.parametrize("name", GOLD_REPORTS)
def test_docx_from_gold_reads_back_exactly(name):
    expected = gold(name)
    data = make_docx(expected)
    assert sniff_format(data, ".docx") == "docx"
    report = extract(load_bytes(data, "report.docx"))
    assert gold_mismatches(report, expected) == []
    assert set(report.table("table3").rows) == set(expected["table3"]["rows"])
    assert report.template.table3 == expected["template_table3"]


@pytest.mark.parametrize("name", GOLD_REPORTS)
def test_xlsx_from_gold_reads_back_exactly(name):
    expected = gold(name)
    rows, merges = report_sheet(expected)
    data = make_xlsx(rows, merges)
    assert sniff_format(data, ".bin") == "xlsx"
    document = load_bytes(data, "report.xlsx")
    assert document.format == "xlsx"
    report = extract(document)
    assert gold_mismatches(report, expected) == []
    assert report.template.table3 == expected["template_table3"]
    cell = report.table("table3").cell("new", "total")
    assert cell.source.path.startswith("表三!J") and cell.source.line is not None


def test_docx_merged_cells_appear_once_with_their_grid_origin():
    document = load_bytes(make_docx(gold("huaian-2024.pdf")), "report.docx")
    outcome = [p for row in document.rows for p in row.pieces if p.text == OUTCOME]
    assert len(outcome) == 1 and outcome[0].origin[1] == 0
    first_row = next(r for r in document.rows if any(p.text == "（一）予以公开" for p in r.pieces))
    assert [p.text for p in first_row.pieces][:2] == [OUTCOME, "（一）予以公开"]
    later = next(r for r in document.rows if any(p.text == "（二）部分公开" for p in r.pieces))
    assert later.kind == "cells" and later.pieces[0].text == "（二）部分公开"
    assert later.pieces[0].source.path.startswith("/body/tbl[1]/tr[")


def test_docx_blank_cells_stay_blank():
    expected = gold("shanghai-bgt-2019.html")
    report = extract(load_bytes(make_docx(expected), "report.docx"))
    blank = [(r, c) for r, values in expected["table3"]["rows"].items()
             for c, v in zip(expected["table3"]["columns"], values) if v is None]
    assert blank
    assert all(report.table("table3").cell(r, c).state.value == "blank" for r, c in blank)


def test_a_damaged_docx_or_xlsx_is_a_load_error():
    data = make_docx(gold("huaian-2024.pdf"))
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            target.writestr(item, content[: len(content) // 3] if item.filename == "word/document.xml" else content)
    with pytest.raises(LoadError) as raised:
        load_bytes(broken.getvalue(), "broken.docx")
    assert raised.value.code == "file-unreadable"
    with pytest.raises(LoadError) as raised:
        load_bytes(b"PK\x03\x04" + b"\x00" * 100, "broken.xlsx")
    # a zip without its directory is a damaged (often a cut-short) file, not an unknown format
    assert raised.value.code == "file-unreadable" and "Excel 文件已损坏或不完整" in raised.value.message_zh


def test_ole_files_are_told_apart():
    word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "WordDocument".encode("utf-16-le")
    excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "Workbook".encode("utf-16-le")
    assert sniff_format(word, ".wps") == "doc"
    assert sniff_format(excel, ".xls") == "xls"
    assert sniff_format(b"{\\rtf1\\ansi hello}", ".doc") == "rtf"


def test_doc_without_libreoffice_says_what_to_install(monkeypatch):
    monkeypatch.setenv("AUDITOR_SOFFICE", "/nonexistent/soffice")
    word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "WordDocument".encode("utf-16-le")
    with pytest.raises(LoadError) as raised:
        load_bytes(word, "report.wps")
    assert raised.value.code == "format-unsupported"
    assert "LibreOffice" in raised.value.message and "LibreOffice" in raised.value.message_en


def test_doc_goes_through_the_converter(monkeypatch, tmp_path):
    """The conversion plumbing, with a stand-in for soffice that 'converts' to a known .docx."""
    converted = tmp_path / "converted.docx"
    converted.write_bytes(make_docx(gold("hongze-2023.pdf")))
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\n"
                    "while [ $# -gt 0 ]; do case $1 in --outdir) shift; out=$1;; esac; shift; done\n"
                    f"mkdir -p \"$out\" && cp '{converted}' \"$out/input.docx\"\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("AUDITOR_SOFFICE", str(fake))
    word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "WordDocument".encode("utf-16-le")
    document = load_bytes(word, "report.doc")
    assert document.format == "doc"
    assert gold_mismatches(extract(document), gold("hongze-2023.pdf")) == []


@pytest.mark.skipif(find_soffice() is None or os.environ.get("AUDITOR_SOFFICE") is not None,
                    reason="LibreOffice (soffice) is not installed")
def test_real_libreoffice_converts_a_docx_round_trip(tmp_path):
    """With LibreOffice present: an RTF written by hand converts and reads."""
    rtf = ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 SimSun;}}\\f0 "
           "\\u19977?\\u12289?\\par}").encode("ascii")  # 三、
    document = load_bytes(rtf, "report.rtf")
    assert document.format == "rtf"
    assert any("三" in p.text for row in document.rows for p in row.pieces)


def test_docx_paragraph_tabs_split_pieces():
    document = docx.Document()
    document.add_paragraph("一、本年新收政府信息公开申请数量\t3\t0\t0\t0\t0\t0\t3")
    out = io.BytesIO()
    document.save(out)
    loaded = load_bytes(out.getvalue(), "tabs.docx")
    assert [p.text for p in loaded.rows[0].pieces] == ["一、本年新收政府信息公开申请数量", "3", "0", "0", "0", "0", "0", "3"]
    assert qn("w:tab")  # python-docx wrote real tab elements


@pytest.mark.skipif(find_soffice() is None or os.environ.get("AUDITOR_SOFFICE") is not None,
                    reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_real_word_97_file_reads_back_exactly(tmp_path, suffix):
    """A .docx from gold values saved as Word 97 by LibreOffice, then read through LibreOffice."""
    import subprocess

    expected = gold("hongze-2023.pdf")
    source = tmp_path / "report.docx"
    source.write_bytes(make_docx(expected))
    subprocess.run([find_soffice(), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path / "out"), str(source)],
                   check=True, capture_output=True, timeout=180)
    data = (tmp_path / "out" / "report.doc").read_bytes()
    assert sniff_format(data, suffix) == "doc"
    document = load_bytes(data, f"report{suffix}")
    assert document.format == "doc"
    assert gold_mismatches(extract(document), expected) == []


@pytest.mark.skipif(find_soffice() is None or os.environ.get("AUDITOR_SOFFICE") is not None,
                    reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("target", ["xls", "ods"])
def test_real_xls_and_ods_read_back_exactly(tmp_path, target):
    """The gold sheet saved as Excel 97 (.xls) and OpenDocument (.ods) by LibreOffice."""
    import subprocess

    expected = gold("huaian-2024.pdf")
    rows, merges = report_sheet(expected)
    source = tmp_path / "report.xlsx"
    source.write_bytes(make_xlsx(rows, merges))
    subprocess.run([find_soffice(), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", target, "--outdir", str(tmp_path / "out"), str(source)],
                   check=True, capture_output=True, timeout=180)
    converted = tmp_path / "out" / f"report.{target}"
    if not converted.exists():
        pytest.skip("LibreOffice Calc is not installed (only Writer): cannot write the spreadsheet")
    data = converted.read_bytes()
    assert sniff_format(data, f".{target}") == target
    report = extract(load_bytes(data, f"report.{target}"))
    assert gold_mismatches(report, expected) == []
