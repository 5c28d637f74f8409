"""Page geometry shared by the PDF, image, Word and spreadsheet loaders: glyphs with boxes become
lines and pieces, ruling edges become grids (pdfplumber's lattice method: snap and join the edges,
find their intersections, take the smallest rectangle at every intersection, group the rectangles
that share corners into tables; after Nurminen's thesis), and a page's glyphs and edges become
Document rows in reading order. A loader supplies glyphs and edges however it reads them (PDFium's
text layer, OCR boxes, a Word table) and asks this module for rows.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Optional

SNAP, JOIN, MIN_EDGE, TOUCH = 3.0, 3.0, 3.0, 3.0  # pdfplumber's defaults for the lattice
WORD_GAP, PIECE_GAP = 0.25, 1.0  # gaps, in character heights: a space; a new piece
OCR_MARK = "ocr"  # Source.path of OCR'd text (image.py)
OCR_LINE = "ocr-line"  # Source.path of OCR'd text whose cells no found grid separated (image.py)

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－~～_\s]*\d{1,4}[-—–－~～_\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.IGNORECASE,
)
_DASHED = re.compile(r"[-—–－~～]")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


# ------------------------------------------------------------------ words and lines

@dataclass(slots=True)
class Glyph:
    """A character (or an OCR'd run of text) and its box, top-left origin."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 0.1)


@dataclass
class Line:
    glyphs: list[Glyph] = field(default_factory=list)
    top: float = 0.0
    bottom: float = 0.0

    def add(self, glyph: Glyph) -> None:
        if not self.glyphs:
            self.top, self.bottom = glyph.top, glyph.bottom
        else:
            self.top, self.bottom = min(self.top, glyph.top), max(self.bottom, glyph.bottom)
        self.glyphs.append(glyph)


def group_lines(glyphs: Iterable[Glyph]) -> list[Line]:
    """Glyphs -> lines, top to bottom, each left to right. A glyph joins the line its vertical
    centre falls in (lines of one table row or paragraph share a band)."""
    ordered = sorted(glyphs, key=lambda g: (g.top + g.bottom) / 2)
    lines: list[Line] = []
    for glyph in ordered:
        centre = (glyph.top + glyph.bottom) / 2
        line = lines[-1] if lines else None
        if line is not None and line.top - 0.5 <= centre <= line.bottom + 0.5 and \
                centre - (line.top + line.bottom) / 2 < 0.5 * max(glyph.height, line.bottom - line.top):
            line.add(glyph)
        else:
            line = Line()
            line.add(glyph)
            lines.append(line)
    for line in lines:
        line.glyphs.sort(key=lambda g: g.x0)
    return lines


def _join_text(glyphs: list[Glyph]) -> str:
    """Glyphs of one line -> text; a gap wider than WORD_GAP of a character's height is a space."""
    parts: list[str] = []
    previous: Optional[Glyph] = None
    for glyph in glyphs:
        if previous is not None:
            height = max(min(glyph.height, previous.height), 1.0)
            gap = glyph.x0 - previous.x1
            if gap > (PIECE_GAP if _wide(previous.text[-1]) and _wide(glyph.text[0]) else WORD_GAP) * height:
                parts.append(" ")
        parts.append(glyph.text)
        previous = glyph
    return "".join(parts).strip()


def split_pieces(line: Line) -> list[list[Glyph]]:
    """A line's glyphs in runs separated by gaps wider than PIECE_GAP character heights."""
    runs: list[list[Glyph]] = []
    for glyph in line.glyphs:
        if runs:
            last = runs[-1][-1]
            height = max(min(glyph.height, last.height), 1.0)
            if glyph.x0 - last.x1 <= PIECE_GAP * height:
                runs[-1].append(glyph)
                continue
        runs.append([glyph])
    return runs


def join_lines(texts: list[str]) -> str:
    """Lines of one cell -> its text: no space where a break falls between two CJK characters."""
    out = ""
    for text in texts:
        text = text.strip()
        if not text:
            continue
        if out and not (_wide(out[-1]) and _wide(text[0])):
            out += " "
        out += text
    return out


def _box(glyphs: list[Glyph]) -> tuple[float, float, float, float]:
    return (round(min(g.x0 for g in glyphs), 1), round(min(g.top for g in glyphs), 1),
            round(max(g.x1 for g in glyphs), 1), round(max(g.bottom for g in glyphs), 1))


def is_page_number(text: str, top: float, bottom: float, height: float) -> bool:
    """"- 3 -", "— 5 —", "第 3 页", "3/6": a page number wherever it stands; a bare number only
    in the top or bottom margin (8% of the page)."""
    text = text.strip()
    if not text or not _PAGE_NUMBER.match(text):
        return False
    if _DASHED.search(text) or not text.isdigit():
        return True
    return bottom < 0.08 * height or top > 0.92 * height


def _source(file: str, page: int, glyphs: list[Glyph], path: Optional[str]) -> dict:
    source = {"file": file, "page": page, "box": _box(glyphs)}
    if path:
        source["path"] = path
    return source


def line_rows(lines: list[Line], file: str, page: int, page_height: float,
              path: Optional[str] = None) -> list[tuple[float, dict]]:
    """Lines -> (top, row dict) with page numbers dropped and vertical labels joined."""
    lines = [line for line in lines
             if not is_page_number(_join_text(line.glyphs), line.top, line.bottom, page_height)]
    runs = _vertical_runs(lines)
    taken = {id(glyph) for run in runs.values() for _, glyph in run}
    rows: list[tuple[float, dict]] = []
    for index, line in enumerate(lines):
        run = runs.get(index)
        if run is not None:
            glyphs = [glyph for _, glyph in run]
            rows.append((line.top, {"kind": "line", "pieces": [
                {"text": "".join(g.text for g in glyphs), "source": _source(file, page, glyphs, path)}]}))
        kept = Line([g for g in line.glyphs if id(g) not in taken], line.top, line.bottom) if taken else line
        pieces = []
        for run_glyphs in split_pieces(kept):
            text = _join_text(run_glyphs)
            if text:
                pieces.append({"text": text, "source": _source(file, page, run_glyphs, path)})
        if pieces:
            rows.append((line.top, {"kind": "line", "pieces": pieces}))
    return rows


def _single(line: Line) -> Optional[Glyph]:
    """The line's first glyph when it is one CJK character standing on its own."""
    glyphs = line.glyphs
    if not glyphs:
        return None
    first = glyphs[0]
    if len(first.text) != 1 or not _wide(first.text):
        return None
    if len(glyphs) > 1 and glyphs[1].x0 - first.x1 <= PIECE_GAP * first.height:
        return None
    return first


def _vertical_runs(lines: list[Line]) -> dict[int, list[tuple[int, Glyph]]]:
    """Runs of three or more consecutive lines that start with one character standing alone at
    the same x: a label printed one character per line. Keyed by the run's first line."""
    runs: dict[int, list[tuple[int, Glyph]]] = {}
    index = 0
    while index < len(lines):
        first = _single(lines[index])
        if first is None:
            index += 1
            continue
        run = [(index, first)]
        following = index + 1
        while following < len(lines):
            glyph = _single(lines[following])
            if glyph is None or abs(glyph.x0 - first.x0) > 0.6 * first.height or \
                    lines[following].top - lines[run[-1][0]].bottom > 3 * first.height:
                break
            run.append((following, glyph))
            following += 1
        if len(run) >= 3:
            runs[index] = run
            index = following
        else:
            index += 1
    return runs


# ------------------------------------------------------------------ ruled tables (lattice)

@dataclass(slots=True)
class Edge:
    orientation: str  # "h" | "v"
    position: float  # y (top-origin) of a horizontal edge, x of a vertical one
    start: float
    end: float


def _cluster(values: list[float], tolerance: float) -> dict[float, float]:
    """Each value -> the mean of its cluster (consecutive sorted values within tolerance)."""
    mapping: dict[float, float] = {}
    ordered = sorted(set(values))
    group: list[float] = []
    for value in ordered:
        if group and value - group[-1] > tolerance:
            mean = sum(group) / len(group)
            mapping.update((v, mean) for v in group)
            group = []
        group.append(value)
    if group:
        mean = sum(group) / len(group)
        mapping.update((v, mean) for v in group)
    return mapping


def merge_edges(edges: list[Edge]) -> list[Edge]:
    """Snap edges within SNAP of one another to their mean position, join collinear pieces."""
    merged: list[Edge] = []
    for orientation in ("h", "v"):
        group = [e for e in edges if e.orientation == orientation]
        snap = _cluster([e.position for e in group], SNAP)
        by_position: dict[float, list[Edge]] = {}
        for edge in group:
            by_position.setdefault(snap[edge.position], []).append(edge)
        for position, items in by_position.items():
            items.sort(key=lambda e: e.start)
            current = Edge(orientation, position, items[0].start, items[0].end)
            for edge in items[1:]:
                if edge.start <= current.end + JOIN:
                    current.end = max(current.end, edge.end)
                else:
                    merged.append(current)
                    current = Edge(orientation, position, edge.start, edge.end)
            merged.append(current)
    return [e for e in merged if e.end - e.start >= MIN_EDGE]


def find_tables(edges: list[Edge]) -> list[list[tuple[float, float, float, float]]]:
    """Cells (x0, top, x1, bottom) grouped into tables, each with at least two cells."""
    edges = merge_edges(edges)
    verticals = [e for e in edges if e.orientation == "v"]
    horizontals = [e for e in edges if e.orientation == "h"]
    points: dict[tuple[float, float], tuple[set[int], set[int]]] = {}
    for vi, v in enumerate(verticals):
        for hi, h in enumerate(horizontals):
            if v.start <= h.position + TOUCH and v.end >= h.position - TOUCH and \
                    h.start - TOUCH <= v.position <= h.end + TOUCH:
                entry = points.setdefault((v.position, h.position), (set(), set()))
                entry[0].add(vi)
                entry[1].add(hi)
    by_x: dict[float, list[float]] = {}
    by_y: dict[float, list[float]] = {}
    for x, y in points:
        by_x.setdefault(x, []).append(y)
        by_y.setdefault(y, []).append(x)
    for values in by_x.values():
        values.sort()
    for values in by_y.values():
        values.sort()

    def shares(a, b, kind: int) -> bool:
        return bool(points[a][kind] & points[b][kind])

    cells = []
    for (x, y) in sorted(points):
        below = [b for b in by_x[x] if b > y]
        right = [r for r in by_y[y] if r > x]
        found = None
        for by in below:
            if not shares((x, y), (x, by), 0):
                continue
            for rx in right:
                if not shares((x, y), (rx, y), 1):
                    continue
                corner = (rx, by)
                if corner in points and shares(corner, (rx, y), 0) and shares(corner, (x, by), 1):
                    found = (x, y, rx, by)
                    break
            if found:
                break
        if found:
            cells.append(found)
    # group cells that share a corner
    parent = list(range(len(cells)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[float, float], int] = {}
    for index, (x0, y0, x1, y1) in enumerate(cells):
        for corner in ((x0, y0), (x0, y1), (x1, y0), (x1, y1)):
            other = owner.setdefault(corner, index)
            if other != index:
                parent[root(index)] = root(other)
    groups: dict[int, list] = {}
    for index, cell in enumerate(cells):
        groups.setdefault(root(index), []).append(cell)
    tables = [g for g in groups.values() if len(g) > 1]
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return tables


class Grid:
    """A table's cells on a grid of distinct x0 / top positions, with a point lookup."""

    def __init__(self, cells: list[tuple[float, float, float, float]]):
        self.cells = sorted(cells, key=lambda c: (c[1], c[0]))
        self.xs = sorted({c[0] for c in cells} | {c[2] for c in cells})
        self.ys = sorted({c[1] for c in cells} | {c[3] for c in cells})
        self.box = (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])
        self.cover: dict[tuple[int, int], int] = {}
        self.origin: list[tuple[int, int]] = []
        for index, (x0, y0, x1, y1) in enumerate(self.cells):
            r0, r1 = self.ys.index(y0), self.ys.index(y1)
            c0, c1 = self.xs.index(x0), self.xs.index(x1)
            self.origin.append((r0, c0))
            for r in range(r0, r1):
                for c in range(c0, c1):
                    self.cover[(r, c)] = index

    @property
    def columns(self) -> int:
        return len({c for _, c in self.origin})

    def locate(self, x: float, y: float) -> Optional[int]:
        if not (self.box[0] <= x <= self.box[2] and self.box[1] <= y <= self.box[3]):
            return None
        r = bisect.bisect_right(self.ys, y) - 1
        c = bisect.bisect_right(self.xs, x) - 1
        return self.cover.get((min(r, len(self.ys) - 2), min(c, len(self.xs) - 2)))


def table_rows(grid: Grid, glyphs_by_cell: dict[int, list[Glyph]], file: str, page: int,
               path: Optional[str] = None) -> tuple[list[tuple[float, dict]], list[Glyph]]:
    """A grid's rows as cell rows; rows with a single cell give their glyphs back as free text."""
    from ..model.cells import cell_state
    from ..model.report import CellState

    texts: dict[int, str] = {}
    for index in range(len(grid.cells)):
        lines = group_lines(glyphs_by_cell.get(index, ()))
        texts[index] = join_lines([_join_text(line.glyphs) for line in lines])
    value_columns = sorted({grid.origin[i][1] for i, t in texts.items()
                            if t and cell_state(t) in (CellState.number, CellState.dash)})
    first_value_column = value_columns[0] if value_columns else None
    by_row: dict[int, list[int]] = {}
    for index, (r, _) in enumerate(grid.origin):
        by_row.setdefault(r, []).append(index)
    rows: list[tuple[float, dict]] = []
    loose: list[Glyph] = []
    for r in sorted(by_row):
        members = sorted(by_row[r], key=lambda i: grid.origin[i][1])
        if len(members) == 1:
            loose.extend(glyphs_by_cell.get(members[0], ()))
            continue
        pieces = []
        for index in members:
            text = texts[index]
            column = grid.origin[index][1]
            if not text and first_value_column is not None and column < first_value_column:
                continue  # the rest of a label cell (merged across a page break): not a value
            x0, y0, x1, y1 = grid.cells[index]
            source = {"file": file, "page": page, "box": (round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1))}
            if path:
                source["path"] = path
            pieces.append({"text": text, "source": source, "origin": grid.origin[index]})
        if any(p["text"] for p in pieces):
            rows.append((grid.cells[members[0]][1], {"kind": "cells", "pieces": pieces}))
    return rows, loose


def page_rows(glyphs: list[Glyph], edges: list[Edge], file: str, page: int, page_height: float,
              path: Optional[str] = None) -> list[dict]:
    """One page: glyphs and ruling edges -> rows in reading order."""
    grids = [Grid(cells) for cells in find_tables(edges)] if edges else []
    grids = [g for g in grids if g.columns >= 2]
    free: list[Glyph] = []
    by_grid: list[dict[int, list[Glyph]]] = [{} for _ in grids]
    for glyph in glyphs:
        x, y = (glyph.x0 + glyph.x1) / 2, (glyph.top + glyph.bottom) / 2
        for gi, grid in enumerate(grids):
            cell = grid.locate(x, y)
            if cell is not None:
                by_grid[gi].setdefault(cell, []).append(glyph)
                break
        else:
            free.append(glyph)
    placed: list[tuple[float, dict]] = []
    for grid, cells in zip(grids, by_grid):
        rows, loose = table_rows(grid, cells, file, page, path)
        placed.extend(rows)
        free.extend(loose)
    placed.extend(line_rows(group_lines(free), file, page, page_height, path))
    placed.sort(key=lambda item: item[0])
    return [row for _, row in placed]


