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

from ..limits import current as current_limits
from ..limits import nesting_error
from ..model.report import Document
from .encoding import decode_bytes, sniff_html_charset
from ..model.errors import LoadError

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
_BAD_CONTROL_BYTES = bytes(range(0, 9)) + b"\x0b" + bytes(range(0x0e, 0x20)) + b"\x7f"
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACE_RUN = re.compile(r"\s+")
_DIGITS = re.compile(r"\s*(\d+)")

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
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    text = text.strip()
    if "\n" in text or "\r" in text:
        return _SPACE_RUN.sub(_space, text)
    return _SPACE_RUN.sub(" ", text)


def _line(element) -> Optional[int]:
    """lxml's source line; libxml2's HTML parser stops counting at 65535, so that means unknown."""
    line = element.sourceline
    return line if line is not None and line < 65535 else None


_CELL_START = re.compile(r"<t[dh](?=[\s>/])", re.I)
# Source text lxml keeps out of the tree (comments) or reads as raw text (a "<td" inside is no cell).
_NOT_MARKUP = re.compile(r"<!--.*?(?:-->|\Z)|<(script|style|textarea|title|xmp|noscript)\b.*?(?:</\1\s*>|\Z)", re.I | re.S)


def cell_columns(text: str, root) -> dict:
    """Each ``<td>``/``<th>`` element's (line, column) in ``text``, the page lxml parsed; lxml gives
    only the line, which is 1 for every cell of a one-line page. The n-th cell start tag of the source
    is the n-th cell of the tree when the counts agree and every tag's line is the element's own
    line; when not (a cell the parser made up, a stray ``<td`` in text), no column at all, rather
    than a wrong one."""
    cells = [cell for cell in root.iter("td", "th")]
    if not cells:
        return {}
    blanked = _NOT_MARKUP.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text) if "<!--" in text or \
        re.search(r"<(script|style|textarea|title|xmp|noscript)\b", text, re.I) else text
    starts = [m.start() for m in _CELL_START.finditer(blanked)]
    if len(starts) != len(cells):
        return {}
    columns = {}
    line, line_start, scanned = 1, 0, 0
    for cell, offset in zip(cells, starts):
        newlines = text.count("\n", scanned, offset)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", scanned, offset) + 1
        scanned = offset
        known = _line(cell)
        if known is not None and known != line:
            return {}
        columns[cell] = offset - line_start + 1
    return columns


def _span(value: Optional[str], largest: int) -> int:
    if not value or value == "1":
        return 1
    if value.isdigit():
        return min(max(int(value), 1), largest)
    digits = _DIGITS.match(value)
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


def _gather(element, parts: list[str], images: list[str], depth: int) -> None:
    """Append the text under ``element`` (not its own text or tail) to ``parts``."""
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag not in _SKIP:
            breaks = tag in _BLOCK or tag == "br"
            if breaks:
                parts.append("\n")
            elif tag == "img":
                name = _image_name(child)
                if name:
                    images.append(name)
            text = child.text  # lxml builds a new string on every access: read it once
            if text:
                parts.append(text)
            if len(child):
                if depth < 100:
                    _gather(child, parts, images, depth + 1)
                else:  # absurdly deep markup: keep the text, drop the structure
                    parts.append("".join(child.xpath("descendant::text()")))
            if breaks:
                parts.append("\n")
        tail = child.tail
        if tail:
            parts.append(tail)


def _cell_text(cell, images: list[str]) -> str:
    """The collapsed text of a cell without nested tables; block children and <br> break softly."""
    text = cell.text or ""
    if len(cell) == 0:
        return collapse(text)
    parts = [text]
    _gather(cell, parts, images, 0)
    return collapse("".join(parts))


class _Frame:
    """An open element of the walk: what its end does, and its XPath, built lazily.

    ``tree.getpath`` counts an element's siblings on every call, which is quadratic for a page of
    thousands of <p>; the walk already knows each element's index among its same-tag siblings.
    """

    __slots__ = ("element", "tag", "index", "parent", "action", "seen", "totals", "path")

    def __init__(self, element, tag: str, index: int, parent: Optional["_Frame"]):
        self.element = element
        self.tag = tag
        self.index = index  # 1-based among same-tag siblings
        self.parent = parent
        self.action = _INLINE
        self.seen: Optional[dict[str, int]] = None  # children started so far, per tag
        self.totals: Optional[dict[str, int]] = None  # all children, per tag (when a path needs it)
        self.path: Optional[str] = None

    def child_index(self, tag: str) -> int:
        seen = self.seen
        if seen is None:
            seen = self.seen = {}
        index = seen[tag] = seen.get(tag, 0) + 1
        return index

    def xpath(self) -> str:
        """The string ``tree.getpath(element)`` gives: ``tag[n]`` only where same-tag siblings exist.
        Built from the nearest ancestor that knows its path, iteratively: deep markup must not
        exhaust the stack (found by scripts/fuzz.py)."""
        if self.path is not None:
            return self.path
        pending = []
        frame = self
        while frame is not None and frame.path is None:
            pending.append(frame)
            frame = frame.parent
        for frame in reversed(pending):
            parent = frame.parent
            if parent is None:
                frame.path = "/" + frame.tag
                continue
            totals = parent.totals
            if totals is None:
                totals = parent.totals = {}
                for child in parent.element:
                    name = child.tag
                    if isinstance(name, str):
                        totals[name] = totals.get(name, 0) + 1
            step = f"{frame.tag}[{frame.index}]" if totals.get(frame.tag, 0) > 1 else frame.tag
            frame.path = parent.path + "/" + step
        return self.path


class _Table:
    __slots__ = ("carry", "next_row", "row")

    def __init__(self):
        self.carry: dict[int, int] = {}  # column -> rows a rowspan still covers, counting the current row
        self.next_row = 0
        self.row: Optional[_OpenRow] = None


class _OpenRow:
    __slots__ = ("slot", "grid_row", "column", "pieces", "implicit", "frame")

    def __init__(self, slot: int, grid_row: int, frame: _Frame, implicit: bool):
        self.slot = slot  # index reserved in the output rows, so rows keep reading order
        self.grid_row = grid_row
        self.column = 0
        self.pieces: list[dict] = []
        self.frame = frame  # the <tr> (or, for cells outside any <tr>, their parent)
        self.implicit = implicit


# What the end of an element does (inline elements do nothing but their tail).
_INLINE, _BLOCK_END, _TABLE_END, _ROW_END, _CONTAINER_END = range(5)


class _Walker:
    """One pass over the tree (lxml iterwalk), emitting row dicts in reading order."""

    def __init__(self, root, file: str, columns: Optional[dict] = None):
        self.file = file
        self.columns = columns or {}  # cell element -> its column in the source (cell_columns)
        self.rows: list = []  # dicts for Row, or None for a reserved slot not (yet) filled
        self.images: list[str] = []
        self.tables: list[_Table] = []
        self.in_table: list[bool] = []  # innermost context: True = table structure, False = lines
        self.blocks: list[_Frame] = []  # block elements open around the current text
        self.line_parts: list[str] = []
        self.line_start: Optional[tuple] = None  # (source line, block frame) of the line being collected
        self.layout_cells: set = set()  # cells holding a nested table (the set keeps proxies alive)
        for table in root.iter("table"):
            self.layout_cells.update(table.iterancestors("td", "th"))

    # ---------------------------------------------------------------- lines

    def add_text(self, text: str, element) -> None:
        if self.line_start is None:
            if text.isspace():
                return
            self.line_start = (_line(element), self.blocks[-1] if self.blocks else None)
        self.line_parts.append(text)

    def flush(self) -> None:
        if self.line_start is None:
            return
        text = collapse("".join(self.line_parts))
        line, block = self.line_start
        self.line_parts = []
        self.line_start = None
        if text:
            source = {"file": self.file, "line": line, "path": block.xpath() if block else None}
            self.rows.append({"kind": "line", "pieces": [{"text": text, "source": source}]})

    # ---------------------------------------------------------------- tables

    def open_row(self, table: _Table, frame: _Frame, implicit: bool) -> _OpenRow:
        if table.row is not None:
            self.close_row(table)
        row = _OpenRow(len(self.rows), table.next_row, frame, implicit)
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
        if table.carry:
            table.carry = {column: left - 1 for column, left in table.carry.items() if left > 1}
        table.row = None

    def place_cell(self, frame: _Frame, text: str) -> None:
        element = frame.element
        table = self.tables[-1]
        row = table.row
        if row is None or (row.implicit and row.frame is not frame.parent):
            row = self.open_row(table, frame.parent, implicit=True)
        rowspan = _span(element.get("rowspan"), _MAX_ROWSPAN)
        colspan = _span(element.get("colspan"), _MAX_COLSPAN)
        column, carry = row.column, table.carry
        if carry:
            while carry.get(column, 0) > 0:
                column += 1
        if rowspan > 1:  # one-row cells need no record: the row's pointer is already past them
            for offset in range(colspan):
                carry[column + offset] = rowspan
        row.column = column + colspan
        path = frame.xpath()
        if rowspan > 1:
            path += f"[@rowspan={rowspan}]"
        if colspan > 1:
            path += f"[@colspan={colspan}]"
        source = {"file": self.file, "line": _line(element), "column": self.columns.get(element), "path": path}
        row.pieces.append({"text": text, "source": source, "origin": (row.grid_row, column)})

    # ---------------------------------------------------------------- the walk

    def walk(self, root) -> None:
        walker = etree.iterwalk(root, events=("start", "end"))
        frames: list[_Frame] = []
        max_depth = current_limits().nesting
        in_table = self.in_table
        for event, element in walker:
            if event == "end":
                frame = frames.pop()
                if frame.action:
                    self.end(frame.action)
                tail = element.tail
                if tail and frames:  # the root's tail is outside the document
                    self.add_text(tail, element)
                continue
            tag = element.tag
            if not isinstance(tag, str):
                tag = ""
            parent = frames[-1] if frames else None
            frame = _Frame(element, tag, parent.child_index(tag) if parent else 1, parent)
            frames.append(frame)
            if len(frames) > max_depth:
                raise nesting_error(self.file)
            if not tag or tag in _SKIP:
                walker.skip_subtree()
                continue
            if in_table and in_table[-1]:  # inside table structure, outside any cell
                if tag == "tr":
                    self.open_row(self.tables[-1], frame, implicit=False)
                    frame.action = _ROW_END
                    continue
                if tag == "td" or tag == "th":
                    if element not in self.layout_cells:
                        self.place_cell(frame, _cell_text(element, self.images))
                        walker.skip_subtree()
                        continue
                    # A layout cell: its text becomes lines, its nested tables their own rows.
                    self.place_cell(frame, "")
                    self.flush()
                    in_table.append(False)
                    self.blocks.append(frame)
                    frame.action = _CONTAINER_END
                    text = element.text
                    if text:
                        self.add_text(text, element)
                    continue
            if tag == "table":
                self.flush()
                self.tables.append(_Table())
                in_table.append(True)
                self.blocks.append(frame)
                frame.action = _TABLE_END
            elif tag in _BLOCK:
                self.flush()
                self.blocks.append(frame)
                frame.action = _BLOCK_END
            elif tag == "br":
                self.flush()
            elif tag == "img":
                name = _image_name(element)
                if name:
                    self.images.append(name)
            text = element.text
            if text:
                self.add_text(text, element)

    def end(self, action: int) -> None:
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


def _parse(text: str, may_hold_controls: bool = True):
    """The lxml tree of a decoded page (None when nothing is left), the parser's fatal error, if any,
    and the text it parsed."""
    text = _XML_DECLARATION.sub("", text, count=1)  # lxml refuses str input with a declaration
    if may_hold_controls:
        text = _BAD_CONTROLS.sub(" ", text)  # and characters XML cannot hold
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(text, parser)
    except etree.XMLSyntaxError:
        root = None
    fatal = next((str(error.message).split(",")[0] for error in parser.error_log if error.level_name == "FATAL"), None)
    return root, fatal, text


def load_html(data: bytes, file: str) -> Document:
    """Read an HTML report (bytes, any of the encodings decode_bytes knows) into a Document."""
    try:
        text, encoding = decode_bytes(data, sniff_html_charset(data[:4096]))
    except LoadError as error:
        raise error.with_file(file) from None
    # In the ASCII-compatible encodings a control character is a control byte, and bytes are
    # quicker to scan than text.
    wide = encoding.startswith(("utf-16", "utf-32"))
    root, fatal, text = _parse(text, wide or len(data.translate(None, _BAD_CONTROL_BYTES)) != len(data))
    rows: list = []
    images: list[str] = []
    if root is not None:
        walker = _Walker(root, file, cell_columns(text, root))
        walker.walk(root)
        walker.flush()
        rows = [row for row in walker.rows if row is not None]
        images = walker.images
    if not rows and not images:
        if fatal:
            raise LoadError("file-unreadable", f"网页无法解析（{fatal}）：{file}",
                            f"the page cannot be parsed ({fatal}): {file}")
        raise LoadError("file-empty", f"网页正文为空，没有可读取的文字或表格：{file}",
                        f"the page body is empty: no text or table to read: {file}")
    return Document.model_validate({
        "file": file,
        "format": "html",
        "encoding": encoding,
        "rows": rows,
        "images": images,
        "metadata": _metadata(root),
    })


__all__ = ["load_html", "collapse"]
