"""Images and scanned pages: a real report's tables rendered to PNG and to an image-only PDF,
read back by OCR exactly (where the auditor[ocr] extra is installed); OCR'd cells are uncertain
until the arithmetic confirms them, and a finding resting on one says to check the source."""
from __future__ import annotations

import io
import json
from pathlib import Path

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


# ------------------------------------------------------------------ hard inputs (drawn tables)

def _cjk_font():
    from auditor.synth_image import cjk_font_path

    return cjk_font_path(False)


needs_cjk_font = pytest.mark.skipif(not ocr_available() or _cjk_font() is None,
                                    reason="needs the auditor[ocr] extra and a CJK font (fc-list :lang=zh; fonts-noto-cjk)")


def _drawn(name, look, scale, degraded=False):
    from auditor.synth import gold_tables
    from auditor.synth_image import degrade, png_bytes, render_tables

    expected = gold(name)
    table3, table4 = gold_tables(expected)
    image = render_tables(table3, table4, look, scale, expected["template_table3"], expected["year"])
    if degraded:
        image = degrade(image, seed=3, angle=0.8)
    data = png_bytes(image, "JPEG" if degraded else "PNG")
    return expected, extract(load_bytes(data, f"{look}.{'jpg' if degraded else 'png'}"))


@needs_cjk_font
def test_a_browser_double_border_is_one_border():
    """Every cell its own box (<table border=1>): before, the grid fell apart and 90% of cells
    were read; an inner rule could be read as a "1"."""
    expected, report = _drawn("huaian-2024.pdf", "double", 1)
    assert mismatches(report, expected) == []
    assert report.table("table4").cell("review", "total").source.path == "ocr"  # placed by the grid


@needs_cjk_font
def test_a_scan_tilted_by_under_a_degree_blurred_noisy_jpeg_is_read_exactly():
    """Before straightening, the rules of a 0.8 degree tilt broke the grid: 60-70% of cells."""
    expected, report = _drawn("guidong-2020.pdf", "single", 2, degraded=True)
    assert mismatches(report, expected) == []


def test_skew_angle_and_double_rules_geometry():
    np = pytest.importorskip("numpy")
    cv2 = pytest.importorskip("cv2")
    from auditor.load.image import deskew, merge_double_rules, skew_angle
    from auditor.load.geometry import Edge, Grid, find_tables

    page = np.full((400, 600), 255, np.uint8)
    for y in range(40, 400, 40):
        cv2.line(page, (20, y), (580, y), 0, 2)
    matrix = cv2.getRotationMatrix2D((300, 200), -0.8, 1.0)  # clockwise: rules go down to the right
    tilted = cv2.warpAffine(page, matrix, (600, 400), borderValue=255)
    assert skew_angle(tilted, np, cv2) == pytest.approx(0.8, abs=0.1)  # within a pixel over the width
    assert abs(skew_angle(page, np, cv2)) < 0.15  # upright: left alone
    upright = deskew(cv2.cvtColor(tilted, cv2.COLOR_GRAY2RGB), np, cv2)
    assert skew_angle(cv2.cvtColor(upright, cv2.COLOR_RGB2GRAY), np, cv2) == pytest.approx(0.0, abs=0.1)
    # two cells drawn as separate boxes 5 px apart: one border between them, a 2-cell table
    boxes = [(10, 10, 100, 50), (105, 10, 195, 50)]
    edges = []
    for x0, y0, x1, y1 in boxes:
        edges += [Edge("h", y0, x0, x1), Edge("h", y1, x0, x1), Edge("v", x0, y0, y1), Edge("v", x1, y0, y1)]
    assert find_tables(edges) == []  # as drawn, no cells share a corner
    tables = find_tables(merge_double_rules(edges, 7))
    assert len(tables) == 1 and Grid(tables[0]).columns == 2


def _line_document(expected, table3_row=None, table4=None, path="ocr-line") -> Document:
    """As an OCR reader gives a page whose grid was not found: each row one line (path ocr-line)."""
    from auditor.templates import template_view

    rows = []

    def line(texts, top):
        rows.append({"kind": "line", "pieces": [
            {"text": t, "source": {"file": "scan.png", "page": 1, "path": path,
                                   "box": (10.0 + 40 * i, top, 40.0 + 40 * i, top + 12)}} for i, t in enumerate(texts)]})

    line([f"某市{expected['year']}年政府信息公开工作年度报告"], 10)
    line(["三、收到和处理政府信息公开申请情况"], 30)
    view = template_view("table3", expected["template_table3"])
    for index, spec in enumerate(view.rows):
        values = " ".join(str(v) for v in expected["table3"]["rows"][spec.id])
        if table3_row and table3_row[0] == spec.id:
            values = table3_row[1]
        line([spec.zh.split(" ")[-1], values], 50 + 15 * index)
    line(["四、政府信息公开行政复议、行政诉讼情况"], 500)
    line(["行政复议", "行政诉讼"], 515)
    line([table4 or " ".join(str(v) for r in ("review", "litigation_direct", "litigation_after_review")
                             for v in expected["table4"]["rows"][r])], 530)
    line(["五、存在的主要问题及改进情况"], 560)
    return Document.model_validate({"file": "scan.png", "format": "image", "rows": rows})


def test_an_ocr_row_with_a_cell_missed_is_never_split_into_sure_digits():
    """OCR read "30 1 0 0 0 31" for 30 1 0 0 0 0 31 (a 0 missed): the old split by the column
    count alone gave 3,0,1,0,0,0,31 as plain numbers, and the arithmetic blamed the agency."""
    expected = gold("huaian-2024.pdf")
    report = extract(_line_document(expected, ("denied_2", "30 1 0 0 0 31")))
    cells = report.table("table3").rows["denied_2"]
    assert all(c.state in (CellState.missing, CellState.inferred, CellState.uncertain) for c in cells.values())
    # seven digits for seven cells: each digit a cell, but inferred (not a reading), never number
    report = extract(_line_document(expected, ("denied_2", "30 1 0 0 0 0")))
    assert {c.state for c in report.table("table3").rows["denied_2"].values()} <= {CellState.inferred, CellState.missing}
    findings = audit_report(report, load_default_rules(), RunConfig()).findings
    blaming = [f for f in findings if f.status.value == "failed" and f.kind == "table"
               and any(c.row == "denied_2" for c in f.cells) and not f.rests_on_uncertain]
    assert blaming == []


def test_table4_read_without_a_grid_is_not_confirmed_by_its_row_sums():
    """Each group's sum holds wherever the group lands: with no grid, nothing confirms the place."""
    expected = gold("huaian-2024.pdf")
    report = extract(_line_document(expected))
    assert mismatches(report, expected) == []
    table4 = report.table("table4")
    assert {c.state for cells in table4.rows.values() for c in cells.values()} == {CellState.uncertain}
    assert "核对原件" in table4.cell("review", "total").note
    # table 3's relations cross rows and columns: a cell they all confirm is a plain number
    assert report.table("table3").cell("new", "total").state == CellState.number
    # the same rows placed by a found grid ("ocr") are confirmed as before
    report = extract(_line_document(expected, path="ocr"))
    assert report.table("table4").cell("review", "total").state == CellState.number


@pytest.mark.slow
@needs_cjk_font
@pytest.mark.parametrize("look", ["borderless-2x", "double-2x-scan", "borderless-2x-scan"])
def test_bench_looks_have_no_silent_misread_nor_false_accusation(look, tmp_path):
    """scripts/ocr_bench.py on one real and one synthesised report: no wrong value unmarked, no
    error finding that the true tables do not have."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import ocr_bench

    out = tmp_path / "bench.json"
    assert ocr_bench.main(["--gold", "1", "--synth", "1", "--looks", look, "--out", str(out)]) == 0
    summary = json.loads(out.read_text(encoding="utf-8"))["summary"][look]
    assert summary["wrong_unmarked"] == 0 and summary["misread_findings"] == 0
    assert summary["right"] >= 0.95 * summary["cells"]


@needs_ocr
def test_ink_in_a_cell_read_as_nothing_is_not_a_blank_cell(monkeypatch):
    """A faint or smudged number the recogniser returns empty must not become a sure blank."""
    from PIL import Image, ImageDraw

    import auditor.load.image as image

    page = Image.new("RGB", (400, 200), "white")
    draw = ImageDraw.Draw(page)
    for x in (20, 200, 380):
        draw.line((x, 20, x, 180), fill="black", width=2)
    for y in (20, 100, 180):
        draw.line((20, y, 380, y), fill="black", width=2)
    draw.rectangle((280, 52, 290, 68), outline="black", width=2)  # a "0"-sized mark in the top-right cell
    monkeypatch.setattr(image, "_recognise", lambda crops: [("", 0.0)] * len(crops))
    glyphs, _, _ = image.read_glyphs(page)
    assert [(g.text, g.x0 > 200, g.bottom < 100) for g in glyphs] == [("?", True, True)]


@needs_cjk_font
def test_a_table_without_rules_places_values_under_their_columns():
    """Blank cells in a table with no rules: before, the values of a row with blanks were packed to
    the left ("0 0 0" in 自然人, 商业企业, 科研机构). Now each goes under its column, the columns'
    positions taken from the rows that have every cell; an empty position is unread (missing)."""
    from auditor.synth import gold_tables
    from auditor.synth_image import png_bytes, render_tables

    expected = gold("guidong-2020.pdf")
    rows = expected["table3"]["rows"]
    for row in ("denied_1", "unable_3"):
        rows[row] = [rows[row][0], None, None, rows[row][3], None, None, rows[row][6]]
    table3, table4 = gold_tables(expected)
    image = render_tables(table3, table4, "borderless", 1, expected["template_table3"], expected["year"])
    report = extract(load_bytes(png_bytes(image, "PNG"), "borderless.png"))
    wrong = mismatches(report, expected)
    # every value read is in its column; only the blank positions are unread, and say so
    assert wrong and {(v, got) for _, _, _, v, got in wrong} == {(None, "<missing>")}
    assert {(r, c) for _, r, c, _, _ in wrong} == {(r, c) for r in ("denied_1", "unable_3")
                                                  for c in ("commercial", "research", "legal", "other_org")}
    cell = report.table("table3").cell("denied_1", "commercial")
    assert "核对原件" in cell.note
    assert gold_value(report.table("table3").cell("denied_1", "social")) == rows["denied_1"][3]
