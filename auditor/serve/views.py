"""What the workbench's pages show, as plain data: a stored report back as an ``AuditResult``, a
finding's evidence (the source lines around it, the narrative sentence marked), its suspects split
into the best correction and the alternatives."""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..catalogue import title
from ..corpus.review import report_findings
from ..corpus.store import Store
from lxml import etree

from ..load.encoding import decode_bytes
from ..model.errors import LoadError
from ..model.findings import AuditResult, Finding, Suspect
from ..model.report import Report, Source, TemplateGuess

EXCERPT_LINES = 2  # lines shown either side of the line a finding points at
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
PAGE_WIDTH = 1000  # pixels of a page image
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".htm", ".html", ".xhtml", ".shtml"}


@dataclass
class StoredReportView:
    id: int
    path: str
    agency: Optional[str]
    year: Optional[int]
    template: Optional[str]
    status: str
    audited_at: str
    content_hash: Optional[str]
    newer: Optional[int] = None  # the id of a newer version (same agency and year)
    result: Optional[AuditResult] = None
    findings: list[dict] = field(default_factory=list)


def load_view(store: Store, report_id: int) -> Optional[StoredReportView]:
    row = store.db.execute("SELECT id, path, COALESCE(agency_read, agency), year, template, status, audited_at,"
                           " content_hash, model, agency FROM reports WHERE id = ?", (report_id,)).fetchone()
    if row is None:
        return None
    view = StoredReportView(*row[:8])
    if row[9] is not None and row[3] is not None:
        newer = store.db.execute("SELECT MAX(id) FROM reports WHERE agency = ? AND year = ? AND id > ?"
                                 " AND content_hash IS NOT ?", (row[9], row[3], row[0], row[7])).fetchone()
        view.newer = newer[0] if newer else None
    view.findings = report_findings(store, report_id)
    findings = [item["finding"] for item in view.findings]
    if row[8] is not None:
        report = Report.model_validate_json(zlib.decompress(row[8]))
        view.result = AuditResult(file=row[1], agency=report.agency, year=report.year, template=report.template,
                                  tables=report.tables, findings=findings)
    else:
        view.result = AuditResult(file=row[1], agency=row[2], year=row[3], template=TemplateGuess(),
                                  findings=findings)
    return view


def result_with(view: StoredReportView, fingerprints: set[str]) -> AuditResult:
    """The report's result holding only the findings named (the confirmed ones, for a memo)."""
    kept = [item["finding"] for item in view.findings if item["fingerprint"] in fingerprints]
    return view.result.model_copy(update={"findings": kept})


# -------------------------------------------------------------------- evidence

class SourceLines:
    """The text lines (and for HTML the parsed page) of stored report files, read once per page."""

    def __init__(self) -> None:
        self.files: dict[str, Optional[str]] = {}
        self.pages: dict[str, object] = {}

    def text(self, file: str) -> Optional[str]:
        if file not in self.files:
            text = None
            if Path(file).suffix.lower() in TEXT_SUFFIXES:
                try:
                    data = Path(file).read_bytes()
                    if len(data) <= 20 * (1 << 20):
                        text = decode_bytes(data)[0]
                except (OSError, LoadError):
                    text = None
            self.files[file] = text
        return self.files[file]

    def lines(self, file: str) -> Optional[list[str]]:
        text = self.text(file)
        return None if text is None else text.splitlines()

    def html_row(self, file: str, path: str) -> Optional[list[tuple[str, bool]]]:
        """The table row holding the element at ``path`` (as the HTML loader numbered it): each
        cell's text, the element's own cell marked."""
        if file not in self.pages:
            text = self.text(file)
            root = None
            if text is not None:
                try:  # the HTML loader's parser settings, so that element paths agree
                    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=True)
                    root = etree.fromstring(text, parser)
                except (etree.LxmlError, ValueError):
                    root = None
            self.pages[file] = root
        root = self.pages[file]
        if root is None:
            return None
        try:
            found = root.getroottree().xpath(path)
        except etree.LxmlError:
            return None
        if not found or not isinstance(found[0], etree._Element):
            return None
        element = found[0]
        row = next((a for a in element.iterancestors() if a.tag == "tr"), None)
        if row is None:
            return [(" ".join("".join(element.itertext()).split())[:300], True)]
        return [(" ".join("".join(cell.itertext()).split())[:120], cell is element or element in cell.iterancestors()
                 or cell in element.iterancestors()) for cell in row if cell.tag in ("td", "th")]


@dataclass
class Excerpt:
    where: str
    page: Optional[int] = None  # a page image (PDF, picture) with the finding's boxes drawn
    lines: list[tuple[int, str, bool]] = field(default_factory=list)  # (number, text, the line pointed at)
    sentence: str = ""  # marked inside the lines
    row: list[tuple[str, bool]] = field(default_factory=list)  # an HTML table row: (cell text, the cell)


LONG_LINE = 300  # a longer line (a whole HTML page on one line) is shown as text around the point


def evidence(finding: Finding, file: str, sources: SourceLines) -> list[Excerpt]:
    """The source of the finding (its own location, else its cells'): for an HTML table cell, the
    row as printed with the cell marked; otherwise the lines around it."""
    places: list[Source] = []
    if finding.source is not None:
        places.append(finding.source)
    places += [c.source for c in finding.cells if c.source is not None]
    out: list[Excerpt] = []
    seen: set = set()
    for source in places:
        name = Path(source.file or file).name
        if source.page is not None or (source.box is not None and Path(source.file or file).suffix.lower()
                                       in IMAGE_SUFFIXES):
            page = source.page or 1
            if ("page", page) not in seen:
                seen.add(("page", page))
                out.append(Excerpt(where=name, page=page))
        elif source.path:
            row = sources.html_row(source.file or file, source.path)
            if not row:
                continue
            same = next((e for e in out if [t for t, _ in e.row] == [t for t, _ in row]), None)
            if same is not None:  # another cell of a row shown already: mark it there
                same.row = [(text, a or b) for (text, a), (_, b) in zip(same.row, row)]
                continue
            out.append(Excerpt(where=f"{name}:{source.line or ''}", row=row))
        elif source.line is not None and (source.file, source.line) not in seen:
            seen.add((source.file, source.line))
            lines = sources.lines(source.file or file)
            if not lines or source.line > len(lines):
                continue
            start, end = max(1, source.line - EXCERPT_LINES), min(len(lines), source.line + EXCERPT_LINES)
            where = f"{name}:{source.line}" + (f":{source.column}" if source.column else "")
            shown = []
            for n in range(start, end + 1):
                text = lines[n - 1]
                if len(text) > LONG_LINE:
                    at = (source.column or 1) - 1 if n == source.line else 0
                    text = text[max(0, at - LONG_LINE // 3): max(0, at - LONG_LINE // 3) + LONG_LINE] + "…"
                shown.append((n, text, n == source.line))
            out.append(Excerpt(where=where, sentence=finding.sentence or "", lines=shown))
        if len(out) >= 2:
            break
    return out


def split_line(text: str, sentence: str) -> list[tuple[str, bool]]:
    """A line cut around the sentence it holds: (part, is the sentence)."""
    if not sentence or sentence not in text:
        return [(text, False)]
    before, _, after = text.partition(sentence)
    return [(before, False), (sentence, True), (after, False)]


def suspects(finding: Finding) -> tuple[list[Suspect], list[Suspect]]:
    """(the best correction's cells, the alternatives'), as the table marks them."""
    has_best = {s.group for s in finding.suspects if s.best}
    best, other = [], []
    for suspect in finding.suspects:
        primary = suspect.rank == 1 and (suspect.best or suspect.group not in has_best)
        (best if primary else other).append(suspect)
    return best, other


def relation_words(finding: Finding, lang: str) -> str:
    """The relation in words: the catalogue's title of the code (rules and built-in codes)."""
    return title(finding.code, lang)


def finding_boxes(finding: Finding, page: int) -> list[tuple[tuple[float, float, float, float], bool]]:
    """The boxes on ``page`` of the finding's cells (and its own place): (box, a suspect's cell)."""
    suspects = {(str(s.table), str(s.row), str(s.column)) for s in finding.suspects}
    boxes = []
    for cell in finding.cells:
        if cell.source is not None and cell.source.box is not None and (cell.source.page or 1) == page:
            boxes.append((tuple(cell.source.box), (cell.table, cell.row, cell.column) in suspects))
    if finding.source is not None and finding.source.box is not None and (finding.source.page or 1) == page:
        boxes.append((tuple(finding.source.box), False))
    return boxes


def page_png(file: str, page: int, boxes: list[tuple[tuple[float, float, float, float], bool]]) -> Optional[bytes]:
    """The page (PDF) or the picture with the boxes drawn (a suspect's cell thicker), as PNG; None if
    the file cannot be drawn. Boxes are in the loader's units: PDF points or picture pixels, top-left."""
    import io

    from PIL import Image, ImageDraw
    path = Path(file)
    try:
        if path.suffix.lower() == ".pdf":
            import pypdfium2 as pdfium
            document = pdfium.PdfDocument(str(path))
            try:
                if not 1 <= page <= len(document):
                    return None
                pdf_page = document[page - 1]
                scale = PAGE_WIDTH / pdf_page.get_width()
                image = pdf_page.render(scale=scale).to_pil().convert("RGB")
            finally:
                document.close()
        elif path.suffix.lower() in IMAGE_SUFFIXES and page == 1:
            image = Image.open(path)
            image.load()
            image = image.convert("RGB")
            scale = 1.0
            if image.width > PAGE_WIDTH:
                scale = PAGE_WIDTH / image.width
                image = image.resize((PAGE_WIDTH, max(1, round(image.height * scale))))
        else:
            return None
    except Exception:  # a file changed or gone since the audit: no picture, the page says so
        return None
    draw = ImageDraw.Draw(image)
    for (x0, y0, x1, y1), suspect in boxes:
        pad = 3
        draw.rectangle([x0 * scale - pad, y0 * scale - pad, x1 * scale + pad, y1 * scale + pad],
                       outline=(0, 0, 0) if suspect else (198, 40, 40), width=5 if suspect else 3)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def other_report_cells(finding: Finding, file: str) -> list[tuple[str, str, str]]:
    """A cross-report finding's cells in another report (last year's): (file name, cell, printed)."""
    return [(Path(cell.file).name, cell.label or f"{cell.table}.{cell.row}.{cell.column}", cell.raw)
            for cell in finding.cells if cell.file and cell.file != file]


def in_language(result: AuditResult, lang: str) -> AuditResult:
    """The result with each finding's message in ``lang`` (the store keeps both), for the tables' tips."""
    findings = [f.model_copy(update={"message": (f.message_en if lang == "en" else f.message_zh) or f.message})
                for f in result.findings]
    return result.model_copy(update={"findings": findings})
