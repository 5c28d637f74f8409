"""The correction memo: content from findings, Markdown through Jinja2, DOCX read back, PDF by LibreOffice."""
from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.pipeline import audit_file
from auditor.policy import RunConfig
from auditor.extract.tables import extract
from auditor.model.findings import AuditResult, Finding, FindingCell, Severity, Status, Suspect
from auditor.load import load_path
from auditor.memo.letter import (
    MemoTemplateError,
    build_memo,
    default_template_text,
    md_escape,
    render_docx,
    render_markdown,
    write_memo,
)
from auditor.ruleset import load_default_rules
from conftest import report_path

RULES = load_default_rules()
CONFIG = RunConfig()
TODAY = datetime.date(2025, 3, 14)
HEADERS = ["序号", "位置", "报告所列", "勾稽关系要求", "建议更正", "理由"]


def _fmt(value) -> str:
    value = Decimal(str(value))
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")


def perturbed(name: str, table: str, row: str, column: str, new: str) -> AuditResult:
    """A real report with one printed number changed in memory."""
    path = report_path(name)
    cell = extract(load_path(path)).table(table).cell(row, column)
    lines = path.read_text(encoding="utf-8").split("\n")
    line = lines[cell.source.line - 1]
    assert cell.raw and cell.raw in line
    lines[cell.source.line - 1] = line.replace(cell.raw, new, 1)
    return audit_file(path, RULES, CONFIG, data="\n".join(lines).encode("utf-8"))


@pytest.fixture(scope="module")
def slipped() -> AuditResult:
    """tianshui-2020 with 予以公开/自然人 printed 76 for 67: a row total and a column total fail."""
    result = perturbed("tianshui-2020.txt", "table3", "granted", "natural_person", "76")
    assert len([f for f in result.findings if f.severity == Severity.error]) >= 2
    return result


def expected_proposals(finding: Finding) -> set[str]:
    """The values the memo must propose for an error finding: the suspects', else the computed total."""
    if finding.suspects:
        return {_fmt(s.proposed) for s in finding.suspects}
    if finding.status == Status.not_filled and finding.required is not None:
        return {_fmt(finding.required)}
    return {_fmt(finding.computed)} if finding.computed is not None else set()


def item_of(memo, finding: Finding):
    items = [i for i in memo.items if finding.code in i.codes and finding.message in i.messages]
    assert len(items) == 1, f"{finding.code} must be in exactly one item"
    return items[0]


# ------------------------------------------------------------------ content


def test_memo_has_every_error_with_where_printed_and_proposal(slipped):
    memo = build_memo([slipped], today=TODAY)
    assert memo.addressee == "天水市" and "天水市" in memo.title and "2020" in memo.title
    assert memo.date == "2025年3月14日"
    errors = [f for f in slipped.findings if f.severity == Severity.error]
    for finding in errors:
        item = item_of(memo, finding)
        assert expected_proposals(finding) <= set(item.proposed_values)
        assert all(value in item.proposal for value in expected_proposals(finding))
        assert item.where.startswith("表三“") and "行" in item.where and "列" in item.where
        assert "（第" in item.where  # the line in the source file
        assert "76" in item.printed or "80" in item.printed
    assert [i.number for i in memo.items] == list(range(1, len(memo.items) + 1))

    text = render_markdown(memo)
    assert text.startswith("# " + md_escape(memo.title))
    assert "天水市：" in text and "2025年3月14日" in text and memo.closing in text
    for item in memo.items:
        for part in (item.where, item.printed, item.proposal, item.reason):
            assert md_escape(part) in text
        assert f"\n{item.number}. " in text


def test_suspects_propose_the_slipped_value_once_for_both_relations(slipped):
    """With locate's suspects the two findings of one slip are one item proposing 67 at 予以公开/自然人."""
    errors = [f for f in slipped.findings if f.severity == Severity.error]
    if not all(f.suspects for f in errors):  # locate not run: simulate its output
        suspect = {"table": "table3", "row": "granted", "column": "natural_person", "current": 76,
                   "proposed": 67, "reason": "两位数字颠倒", "unique": True, "rank": 1, "group": 1}
        slipped = slipped.model_copy(update={"findings": [
            f.model_copy(update={"suspects": (Suspect(**suspect),)}) if f.severity == Severity.error else f
            for f in slipped.findings]})
        errors = [f for f in slipped.findings if f.severity == Severity.error]
    memo = build_memo(slipped, today=TODAY)
    items = [i for i in memo.items if i.severity == "error"]
    assert len(items) == 1
    item = items[0]
    assert set(item.codes) >= {f.code for f in errors}
    assert item.proposed_values == ["67"]
    assert "由 76 更正为 67" in item.proposal and "“（一）予以公开”行“自然人”列" in item.where
    assert "两位数字颠倒" in item.reason


def test_without_suspects_a_total_gets_the_computed_value_conditionally(slipped):
    plain = slipped.model_copy(update={"findings": [f.model_copy(update={"suspects": ()}) for f in slipped.findings]})
    memo = build_memo(plain, today=TODAY)
    row_total = next(f for f in plain.findings if f.code == "T3-ROW-TOTAL")
    item = item_of(memo, row_total)
    assert item.proposed_values == [_fmt(row_total.computed)]
    assert "如各分项数据无误" in item.proposal and "“（一）予以公开”行“总计”列" in item.where


def test_not_filled_total_proposes_the_required_value():
    result = audit_file(report_path("shanghai-kewei-2024.md"), RULES, CONFIG)
    memo = build_memo(result, today=TODAY)
    item = next(i for i in memo.items if "“四、结转下年度继续办理”行“总计”列" in i.where)
    assert item.proposed_values == ["1"] and "填写 1" in item.proposal and "空白" in item.printed
    assert {"T3-BALANCE", "T3-ROW-TOTAL"} <= set(item.codes)  # one blank, one item
    assert build_memo(result, include=("error",), today=TODAY).items == []


def test_only_errors_and_warnings_by_default():
    result = audit_file(report_path("pingtan-2018.txt"), RULES, CONFIG)  # only an info finding
    assert result.findings and all(f.severity == Severity.info for f in result.findings)
    memo = build_memo(result, today=TODAY)
    assert memo.items == [] and "未发现" in memo.intro
    assert len(build_memo(result, include=("info",), today=TODAY).items) == len(result.findings)


def test_problem_findings_without_cells_are_items_too():
    result = audit_file(report_path("guilin-2020.txt"), RULES, CONFIG)  # tables published as images
    memo = build_memo(result, today=TODAY)
    # tables 2-4, and part 六 (the page ends after 五)
    assert [i.codes for i in memo.items] == [["TABLE-ABSENT"], ["TABLE-ABSENT"], ["TABLE-ABSENT"], ["DOC-PART-MISSING"]]
    assert all(i.where.startswith("全文") and i.proposal for i in memo.items)  # with the heading's line when found


def test_several_reports_name_the_file_in_each_item(slipped):
    other = audit_file(report_path("shanghai-kewei-2024.md"), RULES, CONFIG)
    memo = build_memo([slipped, other], today=TODAY)
    assert memo.addressee == "天水市、上海市科委"
    assert any(i.where.startswith("tianshui-2020.txt：") for i in memo.items)
    assert any(i.where.startswith("shanghai-kewei-2024.md：") for i in memo.items)


def test_english_memo(slipped):
    memo = build_memo(slipped, lang="en", today=TODAY)
    text = render_markdown(memo)
    assert memo.date == "2025-03-14" and "Table 3" in text and "**proposed correction**: " in text


# ------------------------------------------------------------------ templates


def test_shipped_template_is_package_data():
    from importlib import resources

    assert resources.files("auditor").joinpath("memo_templates", "memo.md.j2").is_file()
    assert "{% for item in items %}" in default_template_text()


def test_user_template_replaces_the_shipped_one(slipped, tmp_path):
    template = tmp_path / "mine.md.j2"
    template.write_text("致{{ addressee }}\n{% for i in items %}[{{ i.number }}] {{ i.where }} => "
                        "{{ i.proposed_values | join('/') }}\n{% endfor %}{{ date }}\n", encoding="utf-8")
    memo = build_memo(slipped, today=TODAY)
    text = render_markdown(memo, template)
    assert text.startswith("致天水市\n[1] 表三") and text.endswith("2025年3月14日\n")


def test_broken_or_missing_template_is_a_clear_error(slipped, tmp_path):
    memo = build_memo(slipped, today=TODAY)
    broken = tmp_path / "broken.j2"
    broken.write_text("{% for item in items %}\n{{ item.nope }}\n", encoding="utf-8")
    with pytest.raises(MemoTemplateError):
        render_markdown(memo, broken)
    undefined = tmp_path / "undefined.j2"
    undefined.write_text("{{ no_such_field }}", encoding="utf-8")
    with pytest.raises(MemoTemplateError):
        render_markdown(memo, undefined)
    with pytest.raises(MemoTemplateError):
        render_markdown(memo, tmp_path / "absent.j2")


def test_template_is_sandboxed(slipped, tmp_path):
    evil = tmp_path / "evil.j2"
    evil.write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    with pytest.raises(MemoTemplateError):
        render_markdown(build_memo(slipped, today=TODAY), evil)


def test_markdown_escapes_report_text():
    cell = FindingCell(table="table4", row="review", column="upheld", raw="*1*|<b>", state="text")
    finding = Finding(code="X", severity=Severity.error, message="坏 <script>", cells=[cell])
    memo = build_memo(AuditResult(file="a.txt", agency="某[局](http://x)", findings=[finding]), today=TODAY)
    text = render_markdown(memo)
    assert "<script>" not in text and "[局](http" not in text and "某\\[局\\](http" in text
    assert "\\*1\\*\\|\\<b\\>" in text


# ------------------------------------------------------------------ DOCX


def read_docx_table(path: Path) -> list[list[str]]:
    from docx import Document

    document = Document(str(path))
    assert len(document.tables) == 1
    return [[cell.text for cell in row.cells] for row in document.tables[0].rows]


def test_docx_holds_every_error_and_its_proposed_value(slipped, tmp_path):
    pytest.importorskip("docx")
    from docx import Document

    memo = build_memo(slipped, today=TODAY)
    path = render_docx(memo, tmp_path / "memo.docx")
    rows = read_docx_table(path)
    assert rows[0] == HEADERS
    assert len(rows) == 1 + len(memo.items)
    for finding in (f for f in slipped.findings if f.severity == Severity.error):
        item = item_of(memo, finding)
        row = rows[item.number]
        assert row[0] == str(item.number) and row[1] == item.where and row[2] == item.printed
        for value in expected_proposals(finding):
            assert value in row[4]
        assert row[4] == item.proposal and row[5] == item.reason
    paragraphs = [p.text for p in Document(str(path)).paragraphs]
    assert paragraphs[0] == memo.title and paragraphs[1] == "天水市：" and "2025年3月14日" in paragraphs


def test_write_memo_picks_by_suffix(slipped, tmp_path):
    pytest.importorskip("docx")
    memo = build_memo(slipped, today=TODAY)
    markdown = write_memo(memo, tmp_path / "memo.md")
    assert markdown.read_text(encoding="utf-8") == render_markdown(memo)
    docx = write_memo(memo, tmp_path / "memo.docx")
    assert docx.read_bytes()[:2] == b"PK"
    # a .docx template is the base document: its content stays, the memo follows
    base = tmp_path / "letterhead.docx"
    from docx import Document

    letterhead = Document()
    letterhead.add_paragraph("某某市政务公开办公室")
    letterhead.save(str(base))
    out = write_memo(memo, tmp_path / "on-letterhead.docx", base)
    texts = [p.text for p in Document(str(out)).paragraphs]
    assert texts[0] == "某某市政务公开办公室" and memo.title in texts
    with pytest.raises(MemoTemplateError):
        write_memo(memo, tmp_path / "x.docx", tmp_path / "memo.md")


def test_docx_converts_to_pdf_with_libreoffice(slipped, tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    pytest.importorskip("docx")
    path = render_docx(build_memo(slipped, today=TODAY), tmp_path / "memo.docx")
    profile = tmp_path / "lo-profile"
    completed = subprocess.run(
        [office, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    pdf = tmp_path / "memo.pdf"
    assert pdf.exists(), completed.stdout + completed.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "更正" in text.replace(" ", "")
