"""Loads a Word report (.docx, and .doc/.wps/.odt/.rtf after LibreOffice converts them).

python-docx opens the package; the body is walked in order: a paragraph is a line (tabs and
runs of spaces split it into pieces, like text), a table row is a cell row. Merged cells are
laid out on the grid as the HTML loader does: a cell spanning columns (``gridSpan``) appears once
with ``Piece.origin = (grid_row, grid_col)``; a cell continuing a vertical merge (``vMerge``)
does not appear again. Paragraphs inside a cell are joined (no space between two CJK
characters). Empty cells are real blank cells except in the label columns (left of the first
column holding a number), as in pdf.py. Sources carry an element path such as
``/body/tbl[2]/tr[5]/tc[3]`` (1-based).

Pictures (a table pasted as an image) are read by OCR when the ``auditor[ocr]`` extra is
installed, at the place they stand; otherwise their names go to ``Document.images`` so that
extraction can say the table is an image.
"""
from __future__ import annotations

import io
import re

from ..model.report import Document
from ..model.errors import LoadError
from .geometry import join_lines

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_V = "{urn:schemas-microsoft-com:vml}"
_GAP = re.compile(r"\t+|\s{2,}|\u3000+")


def _paragraph_text(p) -> str:
    """The text of a w:p as Word shows it: tabs kept, breaks as new lines."""
    parts: list[str] = []
    for element in p.iter(_W + "t", _W + "tab", _W + "br", _W + "cr", _W + "noBreakHyphen"):
        tag = element.tag
        if tag == _W + "t":
            parts.append(element.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        else:
            parts.append("\n")
    return "".join(parts)


def _pictures(element) -> list[str]:
    """Relationship ids of the pictures in an element (DrawingML blips and VML image data)."""
    ids = [blip.get(_R + "embed") for blip in element.iter(_A + "blip")]
    ids += [data.get(_R + "id") for data in element.iter(_V + "imagedata")]
    return [i for i in ids if i]


class _Reader:
    def __init__(self, document, file: str):
        self.document = document
        self.part = document.part
        self.file = file
        self.rows: list[dict] = []
        self.images: list[str] = []
        self.counts: dict[str, int] = {}
        from .image import ocr_available

        self.ocr = ocr_available()

    def source(self, path: str) -> dict:
        return {"file": self.file, "path": path}

    def picture(self, rel_id: str, path: str) -> None:
        try:
            part = self.part.related_parts[rel_id]
        except KeyError:
            return
        name = part.partname.rsplit("/", 1)[-1]
        if self.ocr:
            from .image import image_rows

            try:
                self.rows.extend(image_rows(part.blob, self.file, path=f"ocr:{path}/{name}"))
                return
            except LoadError:
                pass
        self.images.append(name)

    def paragraph(self, p, path: str) -> None:
        text = _paragraph_text(p)
        for line in text.split("\n"):
            pieces = [{"text": part.strip(), "source": self.source(path)}
                      for part in _GAP.split(line) if part.strip()]
            if pieces:
                self.rows.append({"kind": "line", "pieces": pieces})
        for rel_id in _pictures(p):
            self.picture(rel_id, path)

    def blocks(self, parent, path: str) -> None:
        counts: dict[str, int] = {}
        for child in parent.iterchildren():
            tag = child.tag
            if tag == _W + "p":
                counts["p"] = counts.get("p", 0) + 1
                self.paragraph(child, f"{path}/p[{counts['p']}]")
            elif tag == _W + "tbl":
                counts["tbl"] = counts.get("tbl", 0) + 1
                self.table(child, f"{path}/tbl[{counts['tbl']}]")
            elif tag in (_W + "sdt", _W + "customXml", _W + "smartTag"):
                content = child.find(_W + "sdtContent")
                self.blocks(content if content is not None else child, path)

    def table(self, tbl, path: str) -> None:
        from ..model.cells import cell_state
        from ..model.report import CellState

        grid_rows: list[list[tuple[int, str, str]]] = []  # per row: (grid column, text, path)
        nested: list[tuple] = []
        for r, tr in enumerate(tbl.iterchildren(_W + "tr"), start=1):
            column = 0
            pr = tr.find(_W + "trPr")
            if pr is not None:
                before = pr.find(_W + "gridBefore")
                if before is not None and (before.get(_W + "val") or "").isdigit():
                    column = int(before.get(_W + "val"))
            cells: list[tuple[int, str, str]] = []
            for c, tc in enumerate(tr.iterchildren(_W + "tc"), start=1):
                span = 1
                merge = None
                tcpr = tc.find(_W + "tcPr")
                if tcpr is not None:
                    grid_span = tcpr.find(_W + "gridSpan")
                    if grid_span is not None and (grid_span.get(_W + "val") or "").isdigit():
                        span = max(1, int(grid_span.get(_W + "val")))
                    v_merge = tcpr.find(_W + "vMerge")
                    if v_merge is not None:
                        merge = v_merge.get(_W + "val") or "continue"
                cell_path = f"{path}/tr[{r}]/tc[{c}]"
                if merge != "continue":
                    texts = []
                    for p in tc.iterchildren(_W + "p"):
                        texts.extend(_paragraph_text(p).split("\n"))
                        for rel_id in _pictures(p):
                            nested.append(("picture", rel_id, cell_path))
                    for inner in tc.iterchildren(_W + "tbl"):
                        nested.append(("table", inner, cell_path + "/tbl[1]"))
                    cells.append((column, join_lines(texts), cell_path))
                column += span
            grid_rows.append(cells)
        value_columns = [col for cells in grid_rows for col, text, _ in cells
                         if text and cell_state(text) in (CellState.number, CellState.dash)]
        first_value = min(value_columns) if value_columns else None
        for r, cells in enumerate(grid_rows):
            pieces = [{"text": text, "source": self.source(cell_path), "origin": (r, col)}
                      for col, text, cell_path in cells
                      if text or first_value is None or col >= first_value]
            if len(pieces) == 1 and pieces[0]["text"]:
                self.rows.append({"kind": "line", "pieces": [{"text": pieces[0]["text"], "source": pieces[0]["source"]}]})
            elif any(p["text"] for p in pieces):
                self.rows.append({"kind": "cells", "pieces": pieces})
        for kind, item, where in nested:
            if kind == "picture":
                self.picture(item, where)
            else:
                self.table(item, where)


def load_docx(data: bytes, file: str) -> Document:
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise LoadError("format-unsupported", "读取 Word 文件需要 python-docx（pip install python-docx）",
                        "reading Word files needs python-docx (pip install python-docx)") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a damaged package
        raise LoadError("file-unreadable", f"Word 文件无法解析（{type(exc).__name__}）：{file}",
                        f"the Word file cannot be parsed ({type(exc).__name__}: {exc}): {file}") from None
    reader = _Reader(document, file)
    reader.blocks(document.element.body, "/body")
    if not reader.rows and not reader.images:
        raise LoadError("file-empty", f"Word 文件中没有可读取的文字或表格：{file}",
                        f"the Word file holds no text or table: {file}")
    metadata = {}
    core = document.core_properties
    for key in ("title", "author", "subject"):
        value = getattr(core, key, None)
        if value:
            metadata[key] = str(value)
    if core.created:
        metadata["created"] = core.created.isoformat()
    return Document.model_validate({"file": file, "format": "docx", "rows": reader.rows,
                                    "images": reader.images, "metadata": metadata})
