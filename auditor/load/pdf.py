"""Loads a PDF report: ruled tables become cell rows, other text becomes lines, page by page.

pypdfium2 (PDFium) reads every page: the characters with their boxes, the ruling lines (path
objects), and — for a page without a text layer — the picture that goes to OCR. It is an order
of magnitude quicker than pdfminer-based readers (see scripts/bench_pdf.py), so the tables are
rebuilt here from PDFium's ruling lines with pdfplumber's lattice method (snap and join the
edges, find their intersections, take the smallest rectangle at every intersection, group the
rectangles that share corners into tables; after Nurminen's thesis, as pdfplumber does).

What a page gives, in reading order (top to bottom):

* each grid row of a ruled table with two or more cells: ``Row(kind="cells")``, one Piece per
  cell, merged cells once at their top-left position (``Piece.origin = (grid_row, grid_col)``,
  as the HTML loader does). Empty cells are real blank cells, except in the label columns (left
  of the first column that holds a number), where an empty cell is the remainder of a label
  merged across a page break. Cell text keeps its line breaks as a browser would: a break
  between two CJK characters is dropped ("三\\n、\\n本\\n年…" -> "三、本年…"), others are a space.
* every other line of text (and a table row with a single cell): ``Row(kind="line")`` with one
  Piece per run of words (a gap of about a character's height starts a new Piece).
* page numbers ("- 3 -", "— 5 —", "第 3 页", "3/6", a lone number in the margin) are dropped;
  a label printed one character per line (the same x, three or more lines running) is joined
  into one label line. A table split across pages needs nothing more: its rows simply continue.

Every Piece's Source carries the page (1-based) and the box ``(x0, top, x1, bottom)`` in PDF
points from the page's top-left corner. Pages without a text layer are read by OCR when the
``auditor[ocr]`` extra is installed (see image.py); their pieces carry ``Source.path = "ocr"``
and the cells read from them are ``uncertain``.
"""
from __future__ import annotations

import ctypes
from typing import Optional

from ..limits import check_pages
from ..model.errors import LoadError
from ..model.report import Document
from .geometry import Edge, Glyph, page_rows

# ------------------------------------------------------------------ PDFium

def _import_pdfium():
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise LoadError("format-unsupported", "读取 PDF 需要 pypdfium2（pip install pypdfium2）",
                        "reading PDF needs pypdfium2 (pip install pypdfium2)") from exc
    return pdfium, raw


def _page_glyphs(raw, textpage, height: float) -> list[Glyph]:
    count = raw.FPDFText_CountChars(textpage)
    glyphs: list[Glyph] = []
    rect = raw.FS_RECTF()
    pointer = ctypes.byref(rect)
    for index in range(count):
        code = raw.FPDFText_GetUnicode(textpage, index)
        if code <= 32 or code in (0xA0, 0x3000, 0xFFFE, 0xFEFF):
            continue  # white space and control characters: spacing comes from the geometry
        if raw.FPDFText_IsGenerated(textpage, index) == 1:
            continue
        if not raw.FPDFText_GetLooseCharBox(textpage, index, pointer):
            continue
        # a UTF-16 surrogate or a code past Unicode (damaged fonts) is no character: U+FFFD
        char = "\ufffd" if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else chr(code)
        glyphs.append(Glyph(char, rect.left, height - rect.top, rect.right, height - rect.bottom))
    return glyphs


def _path_edges(raw, obj, matrix: tuple, height: float, out: list[Edge]) -> None:
    count = raw.FPDFPath_CountSegments(obj)
    if count <= 0:
        return
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    start = previous = None
    for index in range(count):
        segment = raw.FPDFPath_GetPathSegment(obj, index)
        if not raw.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y)):
            continue
        point = (a * x.value + c * y.value + e, height - (b * x.value + d * y.value + f))
        kind = raw.FPDFPathSegment_GetType(segment)
        if kind == raw.FPDF_SEGMENT_MOVETO or previous is None:
            start = previous = point
        else:
            if kind == raw.FPDF_SEGMENT_LINETO:
                _add_edge(previous, point, out)
            previous = point
        if raw.FPDFPathSegment_GetClose(segment) and start is not None:
            _add_edge(previous, start, out)
            previous = start


def _add_edge(p: tuple[float, float], q: tuple[float, float], out: list[Edge]) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) <= 0.5 and abs(x1 - x0) > 0.5:
        out.append(Edge("h", (y0 + y1) / 2, min(x0, x1), max(x0, x1)))
    elif abs(x0 - x1) <= 0.5 and abs(y1 - y0) > 0.5:
        out.append(Edge("v", (x0 + x1) / 2, min(y0, y1), max(y0, y1)))


def _multiply(m: tuple, n: tuple) -> tuple:
    """m then n (PDF matrices as (a, b, c, d, e, f))."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _objects(raw, page, height: float) -> tuple[list[Edge], int]:
    """Ruling edges of a page (path objects, also inside form XObjects) and its image count."""
    edges: list[Edge] = []
    images = 0
    matrix = raw.FS_MATRIX()

    def walk(count_fn, get_fn, parent, outer: tuple, depth: int) -> None:
        nonlocal images
        for index in range(count_fn(parent)):
            obj = get_fn(parent, index)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_IMAGE:
                images += 1
            elif kind in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM):
                if raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix)):
                    own = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
                else:
                    own = (1, 0, 0, 1, 0, 0)
                if kind == raw.FPDF_PAGEOBJ_PATH:
                    _path_edges(raw, obj, _multiply(own, outer), height, edges)
                elif depth < 8:
                    walk(raw.FPDFFormObj_CountObjects, raw.FPDFFormObj_GetObject, obj, _multiply(own, outer), depth + 1)

    walk(raw.FPDFPage_CountObjects, raw.FPDFPage_GetObject, page, (1, 0, 0, 1, 0, 0), 0)
    return edges, images


def render_page(page, scale: float):
    """A page as a PIL image (needs Pillow, which the [ocr] extra brings)."""
    return page.render(scale=scale).to_pil()


# What PDFium's refusal to open a file means, by a word of its message ("Failed to load document
# (PDFium: Data format error)."): the first match names the failure; anything else is damage.
_OPEN_FAILURES = (
    ("password", "encrypted"), ("security", "encrypted"),
    ("format", "damaged"), ("file", "damaged"), ("page", "damaged"),
)
_OPEN_MESSAGES = {
    "encrypted": ("PDF 已加密，需要密码才能打开，无法读取；请提供未加密的文件",
                  "the PDF is encrypted: it needs a password to open; please provide an unencrypted copy"),
    "damaged": ("PDF 已损坏或不完整（文件可能被截断或下载未完成），无法解析",
                "the PDF is damaged or incomplete (cut short, or not fully downloaded) and cannot be parsed"),
}


def _open_error(detail: str, file: str) -> LoadError:
    failure = next((name for word, name in _OPEN_FAILURES if word in detail.lower()), "damaged")
    zh, en = _OPEN_MESSAGES[failure]
    cause = detail.rstrip(".")
    return LoadError("file-unreadable", f"{zh}（{cause}）：{file}", f"{en} ({cause}): {file}")


def load_pdf(data: bytes, file: str, ocr: Optional[bool] = None) -> Document:
    """Read a PDF (bytes) into a Document. ``ocr``: None = OCR image-only pages when the [ocr]
    extra is installed (a page left unread is noted in ``metadata``), True = require OCR,
    False = never."""
    pdfium, raw = _import_pdfium()
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise _open_error(str(exc), file) from None
    pages: list = []  # per page in order: its rows, or the Future of an OCR'd page's rows
    unread: list[int] = []
    damaged: list[int] = []
    ocr_pages: list[int] = []
    metadata: dict[str, str] = {}
    pool = None  # scanned pages are recognised in parallel (image.PagePool), made on the first one
    content = None  # the file's hash: the key of its OCR readings in the cache
    try:
        check_pages(len(document), file)
        for key in ("Title", "Author", "Subject", "Creator", "Producer", "CreationDate"):
            try:
                value = document.get_metadata_value(key)
            except Exception:  # pragma: no cover - a broken info dictionary is not fatal
                value = ""
            if value:
                metadata[key] = value
        for index in range(len(document)):
            try:
                page = document[index]
            except pdfium.PdfiumError:  # a damaged page: the others are still read
                damaged.append(index + 1)
                continue
            try:
                height = page.get_height()
                textpage = page.get_textpage()
                try:
                    glyphs = _page_glyphs(raw, textpage, height)
                finally:
                    textpage.close()
                edges, images = _objects(raw, page, height)
                if len(glyphs) >= 5:
                    pages.append(page_rows(glyphs, edges, file, index + 1, height))
                elif images and ocr is not False:
                    from .image import PagePool, ocr_available, ocr_page_job
                    from .ocr_cache import content_hash

                    if ocr or ocr_available():
                        if pool is None:
                            pool, content = PagePool(), content_hash(data)
                        pages.append(pool.submit(ocr_page_job(page, file, index + 1, content)))
                        ocr_pages.append(index + 1)
                    else:
                        unread.append(index + 1)
                elif glyphs:
                    pages.append(page_rows(glyphs, edges, file, index + 1, height))
            finally:
                page.close()
        rows = [row for done in pages for row in (done if isinstance(done, list) else done.result())]
    finally:
        if pool is not None:
            pool.close()
        document.close()
    if ocr_pages:
        metadata["ocr_pages"] = ",".join(map(str, ocr_pages))
    if unread:
        metadata["unread_pages"] = ",".join(map(str, unread))
    if not rows:
        if ocr_pages:
            raise LoadError(
                "file-empty", f"PDF 没有文字层（扫描件），OCR 未能识别出文字（第{'、'.join(map(str, ocr_pages))}页）：{file}",
                f"the PDF has no text layer (scanned) and OCR found no text on page(s) "
                f"{', '.join(map(str, ocr_pages))}: {file}")
        if unread:
            raise LoadError(
                "format-unsupported",
                f"PDF 只有扫描图片、没有文字层（第{'、'.join(map(str, unread))}页），需要安装 OCR 组件："
                f"pip install 'auditor[ocr]'：{file}",
                f"the PDF has no text layer (scanned pages {', '.join(map(str, unread))}); "
                f"install the OCR extra: pip install 'auditor[ocr]': {file}")
        if damaged:
            raise LoadError("file-unreadable", f"PDF 已损坏，{len(damaged)} 页无法读取：{file}",
                            f"the PDF is damaged: {len(damaged)} page(s) cannot be read: {file}")
        raise LoadError("file-empty", f"PDF 中没有可读取的文字：{file}", f"the PDF holds no text: {file}")
    images = [f"{file}#page={p}" for p in unread]
    notes = [{"code": "FILE-DAMAGED-PAGES", "details": {"pages": damaged},
              "message_zh": f"PDF 第{'、'.join(map(str, damaged))}页已损坏，无法读取，其余页面已审核：{file}",
              "message_en": f"PDF page(s) {', '.join(map(str, damaged))} are damaged and were not read; "
                            f"the rest was audited: {file}"}] if damaged else []
    return Document.model_validate({"file": file, "format": "pdf", "rows": rows, "images": images,
                                    "metadata": metadata, "notes": notes})
