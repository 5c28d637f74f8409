"""Images and scanned pages: a real report's tables rendered to PNG and to an image-only PDF,
read back by OCR exactly (where the auditor[ocr] extra is installed); OCR'd cells are uncertain
until the arithmetic confirms them, and a finding resting on one says to check the source."""
from __future__ import annotations

import io

import pytest

from auditor.pipeline import audit_report
from auditor.policy import RunConfig
from auditor.extract.tables import extract
from auditor.load import LoadError, load_bytes, sniff_format
from auditor.load.image import ocr_available
from auditor.model.report import CellState, Document
from auditor.ruleset import load_default_rules
from conftest import gold, report_path

needs_ocr = pytest.mark.skipif(not ocr_available(), reason="the auditor[ocr] extra (rapidocr, onnxruntime) is not installed")


def gold_value(cell):
    if cell.state.value in ("blank", "dash"):
        return None
    if cell.has_value:
        return int(cell.value)
    return f"<{cell.state.value}>"


def mismatches(report, expected):
    return [(t, r, c, v, gold_value(report.table(t).cell(r, c)))
            for t in ("table3", "table4") for r, values in expected[t]["rows"].items()
            for c, v in zip(expected[t]["columns"], values) if gold_value(report.table(t).cell(r, c)) != v]


@pytest.fixture(scope="module")
def huaian_pages():
    pdfium = pytest.importorskip("pypdfium2")
    pytest.importorskip("PIL")
    document = pdfium.PdfDocument(str(report_path("huaian-2024.pdf")))
    try:
        return [document[i].render(scale=2).to_pil() for i in (3, 4)]  # pages 4 and 5: tables 3 and 4
    finally:
        document.close()


@needs_ocr
def test_tables_rendered_to_png_read_back_exactly(huaian_pages):
    from PIL import Image

    width = max(p.width for p in huaian_pages)
    tall = Image.new("RGB", (width, sum(p.height for p in huaian_pages)), "white")
    top = 0
    for page in huaian_pages:
        tall.paste(page, (0, top))
        top += page.height
    buffer = io.BytesIO()
    tall.save(buffer, "PNG")
    assert sniff_format(buffer.getvalue(), ".png") == "image"
    document = load_bytes(buffer.getvalue(), "huaian-tables.png")
    assert document.format == "image"
    report = extract(document)
    assert mismatches(report, gold("huaian-2024.pdf")) == []
    cell = report.table("table3").cell("new", "total")
    assert cell.source.path == "ocr" and cell.source.page == 1 and cell.source.box
    # every relation holds, so the arithmetic confirms every cell
    assert {c.state for cells in report.table("table3").rows.values() for c in cells.values()} == {CellState.number}


@needs_ocr
def test_a_scanned_pdf_is_read_by_ocr(huaian_pages):
    buffer = io.BytesIO()
    huaian_pages[0].save(buffer, "PDF", save_all=True, append_images=huaian_pages[1:], resolution=144)
    document = load_bytes(buffer.getvalue(), "scanned.pdf")
    assert document.format == "pdf" and document.metadata["ocr_pages"] == "1,2"
    report = extract(document)
    assert mismatches(report, gold("huaian-2024.pdf")) == []
    cell = report.table("table4").cell("review", "total")
    assert cell.source.page == 2 and cell.source.path == "ocr"
    assert 0 < cell.source.box[0] < 595 and 0 < cell.source.box[1] < 842  # PDF points


def test_without_the_ocr_extra_an_image_says_what_to_install(monkeypatch):
    import auditor.load.image as image

    monkeypatch.setattr(image, "_missing", lambda: ["rapidocr", "onnxruntime"])
    with pytest.raises(LoadError) as raised:
        load_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "table.png")
    assert raised.value.code == "format-unsupported"
    assert "auditor[ocr]" in raised.value.message and "rapidocr" in raised.value.message_en


def _ocr_document(expected, change=None, rename=None) -> Document:
    """Table 3 and 4 rows as an OCR reader gives them (pieces marked "ocr", page and box)."""
    from auditor.templates import template_view

    rows = []

    def line(texts, top):
        pieces = [{"text": t, "source": {"file": "scan.png", "page": 1, "path": "ocr",
                                          "box": (10.0 + 40 * i, top, 40.0 + 40 * i, top + 12)}}
                  for i, t in enumerate(texts)]
        rows.append({"kind": "line", "pieces": pieces})

    line([f"某市{expected['year']}年政府信息公开工作年度报告"], 10)
    line(["三、收到和处理政府信息公开申请情况"], 30)
    view = template_view("table3", expected["template_table3"])
    for index, spec in enumerate(view.rows):
        values = [str(v) for v in expected["table3"]["rows"][spec.id]]
        if change and change[0] == spec.id:
            values[change[1]] = change[2]
        label = spec.zh.split(" ")[-1]
        line([(rename or {}).get(label, label)] + values, 50 + 15 * index)
    line(["四、政府信息公开行政复议、行政诉讼情况"], 500)
    line(["行政复议", "行政诉讼"], 515)
    line([str(v) for r in ("review", "litigation_direct", "litigation_after_review")
          for v in expected["table4"]["rows"][r]], 530)
    line(["五、存在的主要问题及改进情况"], 560)
    return Document.model_validate({"file": "scan.png", "format": "image", "rows": rows})


def test_ocr_cells_are_uncertain_until_the_arithmetic_confirms_them():
    expected = gold("huaian-2024.pdf")
    report = extract(_ocr_document(expected, change=("denied_7", 6, "6")))  # 9 misread as 6
    table = report.table("table3")
    assert table.cell("denied_7", "total").state == CellState.uncertain
    assert table.cell("denied_7", "natural_person").state == CellState.uncertain  # its row fails
    assert table.cell("new", "total").state == CellState.number  # every relation through it holds
    assert table.cell("granted", "commercial").state == CellState.number
    findings = audit_report(report, load_default_rules(), RunConfig()).findings
    resting = [f for f in findings if any(c.row == "denied_7" and c.column == "total" for c in f.cells)]
    assert resting and all(f.rests_on_uncertain for f in resting)
    assert all("核对原件" in f.message_zh for f in resting if f.status.value == "failed")
    assert all(f.source and f.source.page == 1 and f.source.box for f in resting)


def test_ocr_cells_confirmed_when_everything_adds_up():
    report = extract(_ocr_document(gold("hongze-2024.pdf")))
    states = {c.state for t in ("table3", "table4") for cells in report.table(t).rows.values() for c in cells.values()}
    assert states == {CellState.number}


def test_ocr_slips_in_labels_are_absorbed():
    expected = gold("huaian-2024.pdf")
    report = extract(_ocr_document(expected, rename={"（一）予以公开": "（一）子以公开",
                                                     "3.危及“三安全一稳定”": "3.危及“三安全一稳走”",
                                                     "2.没有现成信息需要另行制作": "2.没有现成信息需要另行制伤"}))
    assert mismatches(report, expected) == []
