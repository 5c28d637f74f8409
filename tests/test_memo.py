"""The correction memo: one letter per agency and year, consolidated items in three sections,
Markdown without HTML, a 公文 DOCX (GB/T 9704-2012) read back and, where LibreOffice is installed,
converted to PDF and measured."""
from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.catalogue import with_rules
from auditor.cli.main import main
from auditor.extract.tables import extract
from auditor.load import load_path
from auditor.memo import (
    MemoOptions,
    MemoTemplateError,
    build_memo,
    build_memos,
    render_docx,
    render_markdown,
    write_memo,
    write_split,
)
from auditor.memo.gongwen import FONTS, MARGINS_MM
from auditor.memo.markdown import default_template_text, md_escape
from auditor.memo.texts import chinese_date, chinese_number
from auditor.model.findings import AuditResult, Finding, FindingCell, Severity, Status, Suspect
from auditor.pipeline import audit_file
from auditor.policy import RunConfig
from auditor.ruleset import load_default_rules
from conftest import CORPUS, report_path

RULES = load_default_rules()
CONFIG = RunConfig()
TODAY = datetime.date(2026, 12, 6)
ROOT = Path(__file__).resolve().parents[1]
HONGZE = CORPUS / "hongze-2023.pdf"
SUFFIXES = {".txt", ".html", ".md", ".pdf", ".docx"}
EVERY_REPORT = sorted(p for p in (ROOT / "examples").iterdir() if p.is_file() and p.suffix in SUFFIXES) + (
    sorted(p for p in CORPUS.iterdir() if p.suffix in SUFFIXES and p.name != "README.md") if CORPUS.is_dir() else [])
# an English id: a template id (natural_person, not_processed_1), a table id (table3) or a relation
ENGLISH_ID = re.compile(r"\b(?:table\d|[a-z]+(?:_[a-z0-9]+)+)\b")
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")


@lru_cache(maxsize=None)
def audited(path: Path, lang: str = "zh") -> AuditResult:
    return audit_file(path, RULES, RunConfig(lang=lang))


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


def with_suspect(result: AuditResult, **suspect) -> AuditResult:
    """The errors of ``result`` explained by one suspect (what locate says about a slipped digit)."""
    fields = {"table": "table3", "row": "granted", "column": "natural_person", "current": 76, "proposed": 67,
              "reason": "两位数字颠倒", "unique": True, "rank": 1, "group": 1, **suspect}
    return result.model_copy(update={"findings": [
        f.model_copy(update={"suspects": (Suspect(**fields),)}) if f.severity == Severity.error else f
        for f in result.findings]})


def body_of(markdown: str, memo) -> str:
    """The letter without its appendix (which may list rule codes for the reviewer)."""
    if memo.attachment_title:
        return markdown.split(f"## {md_escape(memo.attachment_title)}")[0]
    return markdown


def section(memo, key: str):
    return next((s for s in memo.sections if s.key == key), None)


# ------------------------------------------------------------------ sections and consolidation


def test_a_slipped_digit_is_one_item_to_correct_with_its_value(slipped):
    memo = build_memo(with_suspect(slipped), today=TODAY)
    correct = section(memo, "correct").entries
    assert len(correct) == 1
    item = correct[0]
    assert item.proposed_values == ["67"] and item.printed == "76"
    assert item.where == "表三“（一）予以公开”行“自然人”列"  # a text file: no line number for the agency
    assert "建议更正为67" in item.text and "两位数字颠倒" in item.text
    assert {f.code for f in slipped.findings if f.severity == Severity.error} <= set(item.codes)
    assert memo.addressee == "天水市" and "天水市2020年" in memo.title
    assert memo.date == "二〇二六年十二月六日"
    assert memo.summary.startswith("经对贵单位《2020年政府信息公开工作年度报告》") and "需整改的问题1项" in memo.summary


def test_without_localisation_a_total_is_to_verify_not_to_correct(slipped):
    slipped = slipped.model_copy(update={"findings": [f.model_copy(update={"suspects": ()}) for f in slipped.findings]})
    memo = build_memo(slipped, today=TODAY)  # no suspects: the total and its parts are equally suspect
    assert section(memo, "correct") is None
    row_total = next(f for f in slipped.findings if f.code == "T3-ROW-TOTAL")
    item = next(i for i in memo.items if "T3-ROW-TOTAL" in i.codes)
    assert item.section == "verify" and item.proposed_values == [str(int(row_total.computed))]
    assert f"如各分项数据无误，应将其更正为{int(row_total.computed)}" in item.text


def test_a_suspect_read_with_doubt_or_ambiguous_goes_to_verify(slipped):
    doubtful = build_memo(with_suspect(slipped, check_source=True), today=TODAY)
    assert [i.section for i in doubtful.items] == ["verify"] and "请对照原件核对" in doubtful.items[0].text
    tied = with_suspect(slipped, unique=False, best=False)
    assert build_memo(tied, today=TODAY).items[0].section == "verify"


def test_a_finding_on_a_doubtful_reading_proposes_nothing_to_correct():
    result = audited(report_path("shanghai-kewei-2024.md"))
    doubtful = result.model_copy(update={"findings": [
        f.model_copy(update={"rests_on_uncertain": True}) if f.kind == "table" else f for f in result.findings]})
    memo = build_memo(doubtful, today=TODAY)
    assert section(memo, "correct") is None
    doubted = [i for i in memo.items if set(i.codes) & {"T3-BALANCE", "T3-ROW-TOTAL"}]
    assert len(doubted) == 2 and all(i.section == "verify" and "请对照原件核对" in i.text for i in doubted)


def test_a_blank_total_is_filled_with_the_value_its_parts_give():
    memo = build_memo(audited(report_path("shanghai-kewei-2024.md")), today=TODAY)
    item = section(memo, "correct").entries[0]
    assert item.proposed_values == ["1"] and {"T3-BALANCE", "T3-ROW-TOTAL"} <= set(item.codes)  # one blank, one item
    assert item.text.startswith("表三“四、结转下年度继续办理”行“总计”列为空白，按勾稽关系应填写1")
    assert build_memo(audited(report_path("shanghai-kewei-2024.md")), include=("error",)).items == []


def test_shanghai_bgt_blank_cells_are_one_item_and_blank_as_zero_a_hint():
    result = audited(report_path("shanghai-bgt-2019.html"))
    memo = build_memo(result, today=TODAY)
    correct = section(memo, "correct").entries
    assert len(correct) == 1  # 11 blank totals and the outcome total they close: one item
    item = correct[0]
    assert item.proposed_values == ["272", "3", "14", "5", "4", "12", "265", "47", "25", "149", "9"]
    assert item.text.startswith("表三“总计”列以下11个单元格为空白") and "（一）予以公开 272" in item.text
    assert {"T3-ROW-TOTAL", "T3-OUTCOME-TOTAL"} <= set(item.codes)
    assert section(memo, "hint") is None and "0 或“—”" not in render_markdown(memo)  # hints off by default
    assert [i.section for i in memo.items] == ["correct", "verify", "verify", "verify"]  # the narrative's three
    hinted = build_memo(result, include_hints=True, today=TODAY)
    hint = section(hinted, "hint").entries
    assert len(hint) == 1 and hint[0].text.startswith("表三以下53个单元格为空白") and not hint[0].proposed_values
    assert "（一）予以公开（科研机构、社会公益组织）" in hint[0].text and "发现需整改的问题1项、建议核实的事项3项、格式方面的提示1项。" in hinted.summary


@pytest.mark.skipif(not HONGZE.exists(), reason="needs ../shared/corpus/hongze-2023.pdf")
def test_hongze_2023_proposes_11_and_5_in_the_right_cells():
    memo = build_memo(audited(HONGZE), today=TODAY)
    correct = section(memo, "correct").entries
    assert [(i.where, i.printed, i.proposed_values) for i in correct] == [
        ("表四“行政复议”行“总计”列（第4页）", "0", ["11"]),
        ("表四“复议后起诉”行“总计”列（第4页）", "0", ["5"]),
    ]  # table order: 行政复议 before 复议后起诉
    assert "建议更正为11" in correct[0].text and "建议更正为5" in correct[1].text
    assert "另一种可能的更正是将表四“复议后起诉”行“结果维持”列由5更正为0" in correct[1].text
    # to verify: the 2019 template, and the two parts a government's report must cover (DOC-GOV-CONTENT)
    assert [(i.section, i.codes) for i in memo.items][2:] == [
        ("verify", ["TPL-TABLE3-YEAR"]), ("verify", ["DOC-GOV-CONTENT"]), ("verify", ["DOC-GOV-CONTENT"])]
    assert memo.counts == {"correct": 2, "verify": 3, "hint": 0}


def test_items_go_by_section_then_severity_then_table_order():
    cell = dict(raw="", state="blank")
    findings = [  # given in the reverse order
        Finding(code="N-OUTCOME", severity=Severity.review, kind="narrative", message="正文“x”与表格不符。请复核"),
        Finding(code="T4-GROUP-TOTAL", severity=Severity.warning, status=Status.failed, message="m",
                relation="table4.review.total == sum(table4.review.parts)", reported=Decimal(1), computed=Decimal(2),
                cells=[FindingCell(table="table4", row="review", column="total", raw="1", value=1, state="number")],
                suspects=(Suspect(table="table4", row="review", column="total", current=1, proposed=2, unique=True,
                                  group=2),)),
        Finding(code="T3-ROW-TOTAL", severity=Severity.error, status=Status.failed, message="m",
                relation="table3.partial.total == sum(table3.partial.applicants)", reported=Decimal(5),
                computed=Decimal(4),
                cells=[FindingCell(table="table3", row="partial", column="total", raw="5", value=5, state="number"),
                       FindingCell(table="table3", row="partial", column="commercial", **cell)],
                suspects=(Suspect(table="table3", row="partial", column="total", current=5, proposed=4, unique=True),)),
    ]
    memo = build_memo(AuditResult(file="r.txt", agency="某局", year=2022, findings=findings), today=TODAY)
    assert [(i.section, i.codes) for i in memo.items] == [
        ("correct", ["T3-ROW-TOTAL"]), ("correct", ["T4-GROUP-TOTAL"]), ("verify", ["N-OUTCOME"])]
    assert [s.heading for s in memo.sections] == ["一、需整改的问题", "二、建议核实的事项"]
    assert memo.items[2].text == "正文“x”与表格不符。请复核。"  # the message already says what to check


def test_keep_and_on_include_let_a_caller_choose_and_mark_findings(slipped):
    result = audited(report_path("shanghai-bgt-2019.html"))
    told = []
    memo = build_memo(result, MemoOptions(keep=lambda r, f: f.kind != "narrative",
                                          on_include=lambda r, f: told.append((r.file, f.code))), today=TODAY)
    assert all(i.section == "correct" for i in memo.items)
    assert [(r.file, f.code) for r, f in memo.included] == told
    # the 11 row totals and the outcome total are in the item; the hints (off) include nothing more
    assert sorted(code for _, code in told) == ["T3-OUTCOME-TOTAL"] + ["T3-ROW-TOTAL"] * 11
    assert all(f.kind != "narrative" for _, f in memo.included)


def test_one_letter_per_agency_and_year(slipped):
    kewei = audited(report_path("shanghai-kewei-2024.md"))
    bgt = audited(report_path("shanghai-bgt-2019.html"))
    letters = build_memos([slipped, kewei, bgt, slipped.model_copy(update={"file": "again.txt"})], today=TODAY)
    assert [m.addressee for m in letters] == ["天水市", "上海市科委", "上海市人民政府办公厅"]
    assert [len(m.reports) for m in letters] == [2, 1, 1]  # the agency's two files of the year: one letter
    two = letters[0]
    assert "（报告1）" in two.summary and "（报告2）" in two.summary
    assert all(i.where.startswith(("报告1：", "报告2：")) for i in two.items)
    other_year = slipped.model_copy(update={"year": 2021})
    assert len(build_memos([slipped, other_year])) == 2


def test_chinese_numerals():
    assert chinese_date(datetime.date(2026, 12, 6)) == "二〇二六年十二月六日"
    assert chinese_date(datetime.date(2030, 10, 31)) == "二〇三〇年十月三十一日"
    assert [chinese_number(n) for n in (1, 10, 12, 20, 31)] == ["一", "十", "十二", "二十", "三十一"]


def test_english_memo_is_english_throughout(slipped):
    memo = build_memo(with_suspect(slipped), lang="en", today=TODAY)
    text = render_markdown(memo)
    assert memo.date == "6 December 2026" and "## 1. Problems to correct" in text
    assert "Table 3 row “disclosed”" in memo.items[0].text or "Table 3 row" in memo.items[0].text
    assert "please change it to 67" in memo.items[0].text
    words = re.sub(r"天水市|两位数字颠倒", "", body_of(text, memo))  # the agency's name and locate's reason
    assert not re.search(r"[\u4e00-\u9fff]", words), words


def test_every_memo_is_clean(tmp_path):
    """Over every report we hold, in both languages: no rule code or English id in the body, no HTML in
    the Markdown, and every item to correct proposes a value that its text states."""
    if not EVERY_REPORT:
        pytest.skip("no reports")
    codes = sorted(with_rules(()), key=len, reverse=True)
    for lang in ("zh", "en"):
        letters = build_memos([audited(p, lang) for p in EVERY_REPORT], lang=lang, include_hints=True, today=TODAY)
        assert letters
        for memo in letters:
            markdown = render_markdown(memo)
            assert not HTML_TAG.search(markdown), (memo.title, HTML_TAG.search(markdown).group())
            body = body_of(markdown, memo)
            found = [c for c in codes if c in body]
            assert not found, (memo.title, found)
            unescaped = body.replace("\\_", "_")
            assert not ENGLISH_ID.search(unescaped), (memo.title, ENGLISH_ID.search(unescaped).group())
            for item in memo.items:
                if item.section == "correct":
                    assert item.proposed_values and all(v in item.text for v in item.proposed_values), item.text
                assert item.codes and item.text
        docx_body = _docx_body(render_docx(letters, tmp_path / f"all-{lang}.docx"))
        assert not [c for c in codes if c in docx_body]


def _docx_body(path: Path) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(str(path)).paragraphs)


# ------------------------------------------------------------------ Markdown and templates


def test_markdown_mirrors_the_letter():
    memo = build_memo(audited(report_path("shanghai-bgt-2019.html")), today=TODAY, office="某市政府办公室",
                      number="某政办函〔2026〕1号")
    text = render_markdown(memo)
    order = ["**某市政府办公室**", "某政办函〔2026〕1号", f"# {md_escape(memo.title)}", "上海市人民政府办公厅：",
             md_escape(memo.summary), "## 一、需整改的问题", "1. ", "## 二、建议核实的事项", md_escape(memo.closing),
             "附件：问题清单", "二〇二六年十二月六日", "**附件**", "## 问题清单", "| 序号 | 类别 |"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert "| 1 | 需整改 | 表三“总计”列以下11个单元格为空白 | 空白 | 272、3、14" in text


def test_placeholders_when_no_office_is_given(slipped):
    memo = build_memo(slipped, today=TODAY)
    assert (memo.office, memo.number, memo.signature) == ("（发文机关）", "（发文字号）", "（发文机关）")


def test_shipped_template_is_package_data():
    from importlib import resources

    assert resources.files("auditor").joinpath("memo_templates", "memo.md.j2").is_file()
    assert "{% for section in sections %}" in default_template_text()


def test_template_dir_replaces_template_and_texts(slipped, tmp_path):
    memo_dir = tmp_path / "mine"
    memo_dir.mkdir()
    (memo_dir / "texts.yaml").write_text("zh:\n  section_correct: 应当更正的问题\n  attachment_title: 问题一览表\n",
                                         encoding="utf-8")
    memo = build_memo(with_suspect(slipped), today=TODAY, template_dir=memo_dir)
    assert memo.sections[0].heading == "一、应当更正的问题" and memo.attachment == "附件：问题一览表"
    assert "## 一、应当更正的问题" in render_markdown(memo, template_dir=memo_dir)  # shipped template, own texts
    (memo_dir / "memo.md.j2").write_text("致{{ addressee }}\n{% for i in items %}[{{ i.number }}] {{ i.where }} => "
                                         "{{ i.proposed_values | join('/') }}\n{% endfor %}{{ date }}\n",
                                         encoding="utf-8")
    text = render_markdown(memo, template_dir=memo_dir)
    assert text == "致天水市\n[1] 表三“（一）予以公开”行“自然人”列 => 67\n二〇二六年十二月六日\n"
    texts = [p for p in _docx_body(render_docx(memo, tmp_path / "m.docx")).split("\n")]
    assert "一、应当更正的问题" in texts and "问题一览表" in texts
    (memo_dir / "texts.yaml").write_text("zh:\n  no_such_text: x\n", encoding="utf-8")
    with pytest.raises(MemoTemplateError, match="no_such_text"):
        build_memo(slipped, template_dir=memo_dir)


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
    finding = Finding(code="X", severity=Severity.error, status=Status.not_assessable, message="坏 <script>",
                      cells=[cell])
    memo = build_memo(AuditResult(file="a.txt", agency="某[局](http://x)", findings=[finding]), today=TODAY)
    text = render_markdown(memo)
    assert "<script>" not in text and "[局](http" not in text and "某\\[局\\](http" in text


# ------------------------------------------------------------------ DOCX


def _mm(length) -> float:
    return round(length / 36000, 1)  # EMU


def test_docx_is_laid_out_as_a_gongwen(slipped, tmp_path):
    from docx import Document
    from docx.oxml.ns import qn

    memo = build_memo(with_suspect(slipped), today=TODAY, office="某市政府办公室", number="某政办函〔2026〕1号")
    document = Document(str(render_docx(memo, tmp_path / "memo.docx")))
    page = document.sections[0]
    assert (_mm(page.page_width), _mm(page.page_height)) == (210.0, 297.0)
    assert {side: _mm(getattr(page, f"{side}_margin")) for side in MARGINS_MM} == {
        side: float(mm) for side, mm in MARGINS_MM.items()}
    grid = page._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 22 lines in 225 mm
    paragraphs = [p for p in document.paragraphs if p.text]
    texts = [p.text for p in paragraphs]
    assert texts[:5] == ["某市政府办公室", "某政办函〔2026〕1号", memo.title, "天水市：", memo.summary]
    assert texts.index("一、需整改的问题") < texts.index(f"1. {memo.items[0].text}") < texts.index(memo.closing)
    assert texts[texts.index(memo.closing) + 1:] == ["附件：问题清单", "某市政府办公室", "二〇二六年十二月六日", "附件",
                                                     "问题清单"]
    attachment = next(p for p in paragraphs if p.text == "附件")
    assert attachment.paragraph_format.page_break_before  # 附件另面编排
    fonts = {}
    for paragraph in paragraphs:
        for run in paragraph.runs:
            east = run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))
            fonts.setdefault(paragraph.text, set()).add(east)
    assert fonts[memo.title] == {FONTS["title"]} and fonts[memo.summary] == {FONTS["body"]}
    assert fonts["一、需整改的问题"] == {FONTS["heading"]}
    assert next(p for p in paragraphs if p.text == memo.title).style.font.size.pt == 22  # 二号
    assert document.styles["Normal"].font.size.pt == 16
    normal_fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal_fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    font_table = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    assert b'w:name="\xe4\xbb\xbf\xe5\xae\x8b_GB2312"' in font_table.blob and b"altName" in font_table.blob
    footer = page.footer._element.xml
    assert "PAGE" in footer and "—" in footer and "PAGE" in page.even_page_footer._element.xml
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "类别", "位置", "报告所列", "建议值", "规则代码"]
    assert [c.text for c in table.rows[1].cells][:5] == ["1", "需整改", memo.items[0].where, "76", "67"]


def test_write_memo_picks_by_suffix_and_keeps_a_letterhead(slipped, tmp_path):
    from docx import Document

    memo = build_memo(slipped, today=TODAY)
    markdown = write_memo(memo, tmp_path / "memo.md")
    assert markdown.read_text(encoding="utf-8") == render_markdown(memo)
    assert write_memo(memo, tmp_path / "memo.docx").read_bytes()[:2] == b"PK"
    base = tmp_path / "letterhead.docx"
    letterhead = Document()
    letterhead.add_paragraph("某某市政务公开办公室")
    letterhead.save(str(base))
    texts = [p.text for p in Document(str(write_memo(memo, tmp_path / "on.docx", base))).paragraphs]
    assert texts[0] == "某某市政务公开办公室" and memo.title in texts
    with pytest.raises(MemoTemplateError):
        write_memo(memo, tmp_path / "x.docx", tmp_path / "memo.md")


def test_split_writes_one_file_per_agency_an_index_and_a_zip(slipped, tmp_path):
    letters = build_memos([slipped, audited(report_path("shanghai-kewei-2024.md")),
                           audited(report_path("shanghai-bgt-2019.html"))], today=TODAY)
    written = write_split(letters, tmp_path / "letters", ".docx", make_zip=True)
    names = [p.name for p in written]
    assert names == ["01-天水市-2020.docx", "02-上海市科委-2024.docx", "03-上海市人民政府办公厅-2019.docx", "index.md",
                     "letters.zip"]
    index = (tmp_path / "letters" / "index.md").read_text(encoding="utf-8")
    assert "| 3 | 上海市人民政府办公厅 | 2019 | 1 | 3 | [03-上海市人民政府办公厅-2019.docx]" in index
    with zipfile.ZipFile(tmp_path / "letters.zip") as bundle:
        assert sorted(bundle.namelist()) == sorted(f"letters/{n}" for n in names[:4])


# ------------------------------------------------------------------ the command


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def test_cli_three_agencies_three_letters(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    reports = [report_path(n) for n in ("tianshui-2020.txt", "shanghai-kewei-2024.md", "shanghai-bgt-2019.html")]
    result = run("memo", *reports, "-o", tmp_path / "all.md", "--date", "2026-12-06", "--office", "某市政府办公室")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "all.md").read_text(encoding="utf-8")
    assert re.findall(r"^# 关于《(.+?)20", text, re.M) == ["天水市", "上海市科委", "上海市人民政府办公厅"]
    assert text.count("二〇二六年十二月六日") == 3 and text.count("**某市政府办公室**") == 3
    result = run("memo", *reports, "--split", tmp_path / "out", "--format", "docx", "--zip")
    assert result.exit_code == 0 and len(list((tmp_path / "out").glob("*.docx"))) == 3
    assert (tmp_path / "out.zip").exists()


def test_cli_office_from_the_configuration_and_usage_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.auditor.memo]\noffice = "某市政务公开办公室"\nnumber = "某政公函〔2026〕7号"\ndate = "2026-01-02"\n',
        encoding="utf-8")
    report = report_path("shanghai-kewei-2024.md")
    assert run("memo", report, "-o", tmp_path / "m.md").exit_code == 0
    text = (tmp_path / "m.md").read_text(encoding="utf-8")
    assert "**某市政务公开办公室**" in text and "某政公函〔2026〕7号" in text and "二〇二六年一月二日" in text
    assert run("memo", report, "-o", tmp_path / "n.md", "--office", "另一机关").exit_code == 0
    assert "**另一机关**" in (tmp_path / "n.md").read_text(encoding="utf-8")
    assert run("memo", report).exit_code == 2  # neither -o nor --split
    assert run("memo", report, "-o", tmp_path / "x.md", "--split", tmp_path / "d").exit_code == 2
    bad = run("memo", report, "-o", tmp_path / "x.md", "--date", "6/12/2026")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    (tmp_path / "pyproject.toml").write_text('[tool.auditor.memo]\nofice = "x"\n', encoding="utf-8")
    assert run("memo", report, "-o", tmp_path / "y.md").exit_code == 2


# ------------------------------------------------------------------ LibreOffice: the PDF as printed


def _office():
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui fonts-noto-cjk)")
    for tool in ("pdfinfo", "pdffonts", "pdftotext"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (apt-get install poppler-utils)")
    return office


def to_pdf(office: str, docx: Path) -> Path:
    profile = docx.parent / "lo-profile"
    completed = subprocess.run(
        [office, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(docx.parent)})
    pdf = docx.with_suffix(".pdf")
    assert pdf.exists(), completed.stdout + completed.stderr
    return pdf


def pdf_pages(pdf: Path) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1)), re.search(r"Page size:\s+(.*)", info).group(1)


def words_box(pdf: Path) -> list[tuple[float, float, float, float, str]]:
    """Every word's box in points (pdftotext -bbox), all pages."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


def test_pdf_of_the_docx_has_the_gongwen_page(tmp_path):
    office = _office()
    result = audited(report_path("shanghai-bgt-2019.html"))
    memo = build_memo(result, today=TODAY, office="某某市人民政府办公室", number="某政办函〔2026〕12号")
    pdf = to_pdf(office, render_docx(memo, tmp_path / "bgt.docx"))
    pages, size = pdf_pages(pdf)
    assert size.startswith("595.") and "x 841.8" in size  # A4 in points
    assert pages <= 3  # the measure: the shanghai-bgt letter fits in 3 pages
    mm = 72 / 25.4
    boxes = [b for b in words_box(pdf) if b[4].strip()]
    body = [b for b in boxes if not re.fullmatch(r"—?\d+—?|—", b[4])]  # the page numbers sit under the text
    assert min(b[0] for b in body) >= MARGINS_MM["left"] * mm - 1
    assert max(b[2] for b in body) <= (210 - MARGINS_MM["right"]) * mm + 1
    assert min(b[1] for b in body) >= MARGINS_MM["top"] * mm - 8  # the first line's ascent
    assert max(b[3] for b in body) <= (297 - MARGINS_MM["bottom"]) * mm + 1
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "CJK" in fonts  # the 公文 fonts named in the runs fell back to an installed CJK font, embedded
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "—1—" in text.replace(" ", "") and "二〇二六年十二月六日" in text.replace(" ", "")


@pytest.mark.slow
@pytest.mark.skipif(not HONGZE.exists(), reason="needs ../shared/corpus/hongze-2023.pdf")
def test_pdf_of_hongze_prints_the_values(tmp_path):
    office = _office()
    memo = build_memo(audited(HONGZE), today=TODAY)
    pdf = to_pdf(office, render_docx(memo, tmp_path / "hongze.docx"))
    pages, _ = pdf_pages(pdf)
    assert pages <= 3
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.replace(" ", "")
    assert "建议更正为11" in text and "建议更正为5" in text and "（发文机关）" in text


def test_docs_hold_a_picture_of_page_one():
    picture = ROOT / "docs" / "memo-page1.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "memo-page1.png" in (ROOT / "docs" / "MEMO.md").read_text(encoding="utf-8")
