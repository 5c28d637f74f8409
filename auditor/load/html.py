"""Loads an HTML report: table rows become cell rows, other block text becomes lines, in reading order.

One pass over the lxml tree. Every ``<tr>`` is a ``Row(kind="cells")`` with one Piece per cell;
rowspan/colspan are laid out on a grid and each spanning cell appears once, at its first row, with
``Piece.origin = (grid_row, grid_col)`` of its top-left position, so a consumer can rebuild the
grid. A cell that holds a nested table is a layout cell: its own text becomes lines (with exact
sources) and it stands in its row as an empty piece; the nested table gives its own rows. Text
outside tables gives one ``Row(kind="line")`` per block (``<br>`` starts a new line). Cell text is
collapsed as a browser shows it: tags joined ("20</span><span>23" -> "2023"), white space runs
made one space, a line break between two CJK characters dropped ("本年新<br/>制作数量" ->
"本年新制作数量"), ``&nbsp;``-only cells empty.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional
from urllib.parse import unquote, urlsplit

from lxml import etree

from ..model import Document, Piece, Row, Source
from .encoding import decode_bytes, sniff_html_charset
from .errors import LoadError

_SKIP = frozenset({"script", "style", "noscript", "head", "template", "title", "iframe"})
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li",
    "main", "menu", "nav", "ol", "option", "p", "pre", "section", "summary", "table", "tbody",
    "thead", "tfoot", "tr", "td", "th", "ul",
})
_META_KEYS = {
    name.lower(): name
    for name in ("ArticleTitle", "PubDate", "ContentSource", "description", "keywords", "author",
                 "SiteName", "ColumnName")
}

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_BAD_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACE_RUN = re.compile(r"\s+")

_MAX_COLSPAN = 1000
_MAX_ROWSPAN = 65534


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _space(match: re.Match) -> str:
    run = match.group()
    if ("\n" in run or "\r" in run) and "\xa0" not in run and "\u3000" not in run:
        text, start, end = match.string, match.start(), match.end()
        if 0 < start and end < len(text) and _wide(text[start - 1]) and _wide(text[end]):
            return ""  # a source line break between two CJK characters is not a space
    return " "


def collapse(text: str) -> str:
    """White space as a browser renders it, for matching and numbers (see the module docstring)."""
    text = text.translate(_INVISIBLE)
    return _SPACE_RUN.sub(_space, text).strip()


def _span(value: Optional[str], largest: int) -> int:
    if not value:
        return 1
    digits = re.match(r"\s*(\d+)", value)
    if not digits:
        return 1
    return min(max(int(digits.group(1)), 1), largest)


def _image_name(element) -> Optional[str]:
    src = (element.get("src") or element.get("data-src") or "").strip()
    if not src or src.lower().startswith("data:"):
        return None
    try:
        path = urlsplit(src).path or src
    except ValueError:
        path = src
    name = unquote(path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]).strip()
    return name or None


def _cell_text(cell, images: list[str]) -> str:
    """The collapsed text of a cell without nested tables; block children and <br> break softly."""
    if len(cell) == 0:
        return collapse(cell.text or "")
    parts: list[str] = []
    skipped: list[bool] = []
    walker = etree.iterwalk(cell, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if event == "start":
            if not isinstance(tag, str) or tag in _SKIP:
                walker.skip_subtree()
                skipped.append(True)
                continue
            skipped.append(False)
            if tag in _BLOCK or tag == "br":
                parts.append("\n")
            elif tag == "img":
                name = _image_name(element)
                if name:
                    images.append(name)
            if element.text:
                parts.append(element.text)
        else:
            was_skipped = skipped.pop()
            if not was_skipped and tag in _BLOCK:
                parts.append("\n")
            if skipped and element.tail:  # not the cell itself: its tail belongs outside
                parts.append(element.tail)
    return collapse("".join(parts))


class _Frame:
    """One open element of the walk: what to do at its end, and its XPath built lazily."""

    __slots__ = ("element", "tag", "index", "parent", "action", "seen", "totals", "path")

    def __init__(self, element, tag, index, parent, action=0):
        self.element = element
        self.tag = tag
        self.index = index  # 1-based among same-tag siblings
        self.parent = parent
        self.action = action
        self.seen: dict[str, int] = {}
        self.totals: Optional[dict[str, int]] = None
        self.path: Optional[str] = None

    def xpath(self) -> str:
        """Same string as ``tree.getpath(element)``, built from the walk, cached."""
        if self.path is None:
            parent = self.parent
            if parent is None:
                self.path = "/" + self.tag
            else:
                if parent.totals is None:
                    totals: dict[str, int] = {}
                    for child in parent.element:
                        if isinstance(child.tag, str):
                            totals[child.tag] = totals.get(child.tag, 0) + 1
                    parent.totals = totals
                step = self.tag if parent.totals.get(self.tag, 0) <= 1 else f"{self.tag}[{self.index}]"
                self.path = parent.xpath() + "/" + step
        return self.path


class _Table:
    __slots__ = ("carry", "next_row", "row")

    def __init__(self):
        self.carry: dict[int, int] = {}  # column -> rows still covered, counting the current row
        self.next_row = 0
        self.row: Optional[_OpenRow] = None


class _OpenRow:
    __slots__ = ("slot", "grid_row", "column", "pieces", "implicit")

    def __init__(self, slot, grid_row, implicit):
        self.slot = slot  # index reserved in the output rows, so rows keep reading order
        self.grid_row = grid_row
        self.column = 0
        self.pieces: list[dict] = []
        self.implicit = implicit


# Frame actions: what the end of an element does.
_INLINE, _SKIPPED, _BLOCK_END, _TABLE_END, _ROW_END, _CELL, _CONTAINER_END = range(7)


class _Walker:
    def __init__(self, file: str):
        self.file = file
        self.rows: list = []  # dicts for Row, or None for a reserved slot not (yet) filled
        self.images: list[str] = []
        self.tables: list[_Table] = []
        self.in_table: list[bool] = []  # innermost context: True = table structure, False = lines
        self.blocks: list[_Frame] = []
        self.line_parts: list[str] = []
        self.line_start: Optional[tuple[Optional[int], _Frame]] = None

    # ---------------------------------------------------------------- lines

    def add_text(self, text: str, element) -> None:
        if self.line_start is None:
            if not text.strip():
                return
            self.line_start = (element.sourceline, self.blocks[-1])
        self.line_parts.append(text)

    def flush(self) -> None:
        if self.line_start is None:
            return
        text = collapse("".join(self.line_parts))
        line, block = self.line_start
        self.line_parts = []
        self.line_start = None
        if text:
            source = {"file": self.file, "line": line, "path": block.xpath()}
            self.rows.append({"kind": "line", "pieces": [{"text": text, "source": source}]})

    # ---------------------------------------------------------------- tables

    def open_row(self, table: _Table, implicit: bool) -> _OpenRow:
        if table.row is not None:
            self.close_row(table)
        row = _OpenRow(len(self.rows), table.next_row, implicit)
        self.rows.append(None)
        table.next_row += 1
        table.row = row
        return row

    def close_row(self, table: _Table) -> None:
        row = table.row
        if row is None:
            return
        if row.pieces:
            self.rows[row.slot] = {"kind": "cells", "pieces": row.pieces}
        table.carry = {column: left - 1 for column, left in table.carry.items() if left > 1}
        table.row = None

    def place_cell(self, table: _Table, frame: _Frame, text: str) -> None:
        element = frame.element
        row = table.row or self.open_row(table, implicit=True)
        rowspan = _span(element.get("rowspan"), _MAX_ROWSPAN)
        colspan = _span(element.get("colspan"), _MAX_COLSPAN)
        column, carry = row.column, table.carry
        while carry.get(column, 0) > 0:
            column += 1
        for offset in range(colspan):
            carry[column + offset] = rowspan
        row.column = column + colspan
        path = frame.xpath()
        if rowspan > 1:
            path += f"[@rowspan={rowspan}]"
        if colspan > 1:
            path += f"[@colspan={colspan}]"
        source = {"file": self.file, "line": element.sourceline, "path": path}
        row.pieces.append({"text": text, "source": source, "origin": (row.grid_row, column)})

    # ---------------------------------------------------------------- the walk

    def walk(self, root) -> None:
        walker = etree.iterwalk(root, events=("start", "end"))
        frames: list[_Frame] = []
        for event, element in walker:
            if event == "end":
                self.end(frames.pop())
                continue
            parent = frames[-1] if frames else None
            tag = element.tag
            if not isinstance(tag, str):
                tag = ""
            if parent is not None:
                index = parent.seen[tag] = parent.seen.get(tag, 0) + 1
            else:
                index = 1
            frame = _Frame(element, tag, index, parent)
            frames.append(frame)
            if not tag or tag in _SKIP:
                frame.action = _SKIPPED
                walker.skip_subtree()
                continue
            self.start(frame, walker)

    def start(self, frame: _Frame, walker) -> None:
        element, tag = frame.element, frame.tag
        structure = bool(self.in_table) and self.in_table[-1]
        if tag == "table":
            self.flush()
            self.tables.append(_Table())
            self.in_table.append(True)
            self.blocks.append(frame)
            frame.action = _TABLE_END
        elif structure and tag == "tr":
            self.open_row(self.tables[-1], implicit=False)
            frame.action = _ROW_END
        elif structure and tag in ("td", "th"):
            table = self.tables[-1]
            if next(element.iter("table"), None) is None:
                self.place_cell(table, frame, _cell_text(element, self.images))
                frame.action = _CELL
                walker.skip_subtree()
                return
            # A layout cell: its text becomes lines, its nested tables their own rows.
            self.place_cell(table, frame, "")
            self.flush()
            self.in_table.append(False)
            self.blocks.append(frame)
            frame.action = _CONTAINER_END
        elif tag == "br":
            self.flush()
            frame.action = _INLINE
        elif tag in _BLOCK:
            self.flush()
            self.blocks.append(frame)
            frame.action = _BLOCK_END
        else:
            if tag == "img":
                name = _image_name(element)
                if name:
                    self.images.append(name)
            frame.action = _INLINE
        if element.text:
            self.add_text(element.text, element)

    def end(self, frame: _Frame) -> None:
        action = frame.action
        if action == _BLOCK_END:
            self.flush()
            self.blocks.pop()
        elif action == _ROW_END:
            table = self.tables[-1]
            if table.row is not None and not table.row.implicit:
                self.close_row(table)
        elif action == _TABLE_END:
            self.flush()
            self.close_row(self.tables.pop())
            self.in_table.pop()
            self.blocks.pop()
        elif action == _CONTAINER_END:
            self.flush()
            self.in_table.pop()
            self.blocks.pop()
        tail = frame.element.tail
        if tail and frame.parent is not None:
            self.add_text(tail, frame.element)


def _metadata(root) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in root.iter("title", "meta"):
        if element.tag == "title":
            if "title" not in found:
                title = collapse("".join(element.itertext()))
                if title:
                    found["title"] = title
            continue
        name = (element.get("name") or element.get("property") or "").strip().lower()
        key = _META_KEYS.get(name)
        if key and key not in found:
            content = collapse(element.get("content") or "")
            if content:
                found[key] = content
    return found


def _parse(text: str):
    text = _XML_DECLARATION.sub("", text, count=1)
    text = _BAD_CONTROLS.sub(" ", text)
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=True)
    try:
        return etree.fromstring(text, parser)
    except etree.XMLSyntaxError:
        return None


def load_html(data: bytes, file: str) -> Document:
    """Read an HTML report (bytes, any of the encodings decode_bytes knows) into a Document."""
    try:
        text, encoding = decode_bytes(data, sniff_html_charset(data[:4096]))
    except LoadError as error:
        raise error.with_file(file) from None
    root = _parse(text)
    if root is None:
        raise LoadError("file-empty", f"网页解析后没有内容：{file}", f"the page has no content after parsing: {file}")
    walker = _Walker(file)
    walker.walk(root)
    walker.flush()
    rows = [row for row in walker.rows if row is not None]
    if not rows and not walker.images:
        raise LoadError("file-empty", f"网页正文为空，没有可读取的文字或表格：{file}",
                        f"the page body is empty: no text or table to read: {file}")
    return Document.model_validate({
        "file": file,
        "format": "html",
        "encoding": encoding,
        "rows": rows,
        "images": walker.images,
        "metadata": _metadata(root),
    })


__all__ = ["load_html", "collapse"]
