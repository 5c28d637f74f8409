"""Turns document rows into label and value tokens, and tokens into records (a label + its values).

Format-independent: a <tr>, a pipe row, a line of text and a one-cell-per-line run all end up as
records, which extraction then aligns with a template's rows.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Optional

from ..model.cells import cell_state, overlong_number, parse_cell
from .fused import RowRelation, is_ocr_line, resolve
from ..model.report import Cell, CellState, Row, Source

WIDE_ROW_VALUES = 3
_VALUE_STATES = (CellState.number, CellState.dash)  # a row with this many values carries its own record


@dataclass
class Token:
    kind: str  # "label" | "value"
    text: str
    source: Source
    row: int
    _cell: Optional[Cell] = None

    @property
    def cell(self) -> Optional[Cell]:
        """The typed cell of a value token, built on first use (most tokens never need one)."""
        if self._cell is None and self.kind == "value":
            cell = parse_cell(self.text, self.source)
            if cell.state == CellState.number and self.source.path and self.source.path.startswith("ocr"):
                cell.state = CellState.uncertain  # read by OCR: doubtful until the arithmetic confirms it
                cell.note = cell.note or "OCR 识别"
            self._cell = cell
        return self._cell

    @property
    def state(self) -> CellState:
        return cell_state(self.text)


@dataclass
class Record:
    labels: list[Token] = field(default_factory=list)
    values: list[Token] = field(default_factory=list)
    strong: bool = True  # the labels stand beside the values (same row, or one-cell-per-line)
    row: int = 0
    note_zh: Optional[str] = None  # what the reader could not settle (fused digits split several ways)
    note_en: Optional[str] = None

    @property
    def has_data(self) -> bool:
        return any(v.state in _VALUE_STATES for v in self.values)


def _line_tokens(text: str, source: Source, row: int) -> list[Token]:
    """Split a text piece on single spaces: numbers become values, runs of words one label."""
    tokens: list[Token] = []
    words: list[str] = []
    column = source.column or 1

    def flush_words():
        if words:
            tokens.append(Token("label", " ".join(words), source, row))
            words.clear()

    parts = text.split(" ")
    if len(parts) == 1:  # one cell per line: the common case, no column arithmetic
        if cell_state(text) in _VALUE_STATES:
            return [Token("value", text, source, row)]
        return [Token("label", text, source, row)]
    offset = 0
    for part in parts:
        if not part:
            offset += 1
            continue
        if cell_state(part) in _VALUE_STATES:
            flush_words()
            here = source.model_copy(update={"column": column + offset}) if source.line else source
            tokens.append(Token("value", part, here, row))
        else:
            words.append(part)
        offset += len(part) + 1
    flush_words()
    return tokens


def row_tokens(row: Row, index: int) -> list[Token]:
    tokens: list[Token] = []
    for piece in row.pieces:
        if row.kind == "cells":
            # a number too long to read keeps its slot (a text cell, flagged by extraction), so the
            # values after it do not shift left
            if cell_state(piece.text) != CellState.text or overlong_number(piece.text):
                tokens.append(Token("value", piece.text, piece.source, index))
            else:
                tokens.append(Token("label", piece.text, piece.source, index))
        else:
            tokens.extend(_line_tokens(piece.text, piece.source, index))
    return tokens


def build_records(rows: list[Row], start: int, end: int, width: Optional[int],
                  relation: Optional[RowRelation] = None) -> list[Record]:
    """Group the tokens of rows[start:end] into records.

    A row with several values is a record of its own (its labels are strong; labels from rows
    before it are weak, used only when it has none). Rows of one token at a time accumulate:
    labels then values, closed by the next label or when ``width`` values are reached.
    With a row ``relation``, a record with fewer values than ``relation.width`` whose digits
    could fill it is taken for fused cells and split (see fused.py).
    """
    records: list[Record] = []
    accumulated: list[Record] = []  # records built from one-token rows
    pending_labels: list[Token] = []
    pending_values: list[Token] = []

    def close_pending():
        nonlocal pending_labels, pending_values
        if pending_values:
            record = Record(list(pending_labels), list(pending_values), True,
                            pending_labels[0].row if pending_labels else pending_values[0].row)
            records.append(record)
            accumulated.append(record)
            pending_labels = []
        pending_values = []

    for index in range(start, min(end, len(rows))):
        tokens = row_tokens(rows[index], index)
        values = [t for t in tokens if t.kind == "value"]
        labels = [t for t in tokens if t.kind == "label"]
        wide = len(values) >= WIDE_ROW_VALUES or (rows[index].kind == "cells" and len(values) >= 1)
        if wide:
            strong = bool(labels)
            close_pending()
            records.append(Record(labels if strong else list(pending_labels), values, strong, index))
            pending_labels = []
            continue
        for token in tokens:
            if token.kind == "label":
                if pending_values:
                    close_pending()
                pending_labels.append(token)
            else:
                pending_values.append(token)
                if width and len(pending_values) >= width:
                    close_pending()
    close_pending()
    # Where most values stand in rows of their own, the table is laid out by rows and a run of
    # one-token rows is debris (detached labels, page numbers): its labels are only weak evidence.
    accumulated_values = sum(len(r.values) for r in accumulated)
    total_values = sum(len(r.values) for r in records)
    if accumulated and accumulated_values * 2 < total_values:
        for record in accumulated:
            record.strong = False
    if width:
        place_by_position(records, width)
    if relation is not None:
        for record in records:
            if 0 < len(record.values) < relation.width:
                unfuse_record(record, relation)
    return records


MIN_FULL_ROWS = 2  # rows with every cell read that fix the columns' x-positions
PLACE_REACH = 0.35  # a value belongs to a column when it sits within this share of a column's pitch


def _centre(token: Token) -> Optional[float]:
    box = token.source.box
    return (box[0] + box[2]) / 2 if box else None


def place_by_position(records: list[Record], width: int) -> None:
    """OCR'd rows that no found grid separated (a table without rules) and that have fewer values
    than ``width``: each value goes to the column under which it stands, the columns' x-positions
    taken from the table's rows that have every cell. A column with nothing under it is ``missing``
    (a blank cell, or one OCR did not read: never a sure blank). A value that stands under no
    column, or two under one, leave the row as it was (its cells stay uncertain)."""
    line_rows = [r for r in records if r.values and all(is_ocr_line(t.source) and _centre(t) is not None for t in r.values)]
    full = [r for r in line_rows if len(r.values) == width]
    if len(full) < MIN_FULL_ROWS:
        return
    centres = [statistics.median(_centre(r.values[k]) for r in full) for k in range(width)]
    pitch = min((b - a for a, b in zip(centres, centres[1:])), default=0.0)
    if pitch <= 0:
        return
    for record in line_rows:
        if len(record.values) >= width:
            continue
        columns = []
        for token in record.values:
            nearest = min(range(width), key=lambda k: abs(centres[k] - _centre(token)))
            if abs(centres[nearest] - _centre(token)) > PLACE_REACH * pitch:
                break
            columns.append(nearest)
        if len(columns) != len(record.values) or columns != sorted(set(columns)):
            continue
        placed: list[Token] = []
        for k in range(width):
            if k in columns:
                placed.append(record.values[columns.index(k)])
            else:
                anchor = record.values[0]
                note = "OCR 未读出此格（表格无线，此列位置没有文字：可能是空格，也可能漏读），请核对原件"
                placed.append(Token("value", "", anchor.source, anchor.row,
                                    Cell(state=CellState.missing, raw="", note=note, source=anchor.source)))
        record.values = placed
        record.note_zh = f"按文字的横向位置对齐到各列，{width - len(columns)} 个位置没有读出文字"
        record.note_en = f"values placed under their columns by x-position; {width - len(columns)} position(s) read nothing"


def unfuse_record(record: Record, relation: RowRelation) -> None:
    """Split a record's fused digit runs into ``relation.width`` cells (fused.resolve), in place."""
    values = record.values
    resolution = resolve([t.text for t in values], [t.source for t in values], relation, relation.width)
    if resolution.cells is None:
        return
    first = values[0]
    record.values = [Token("value", str(cell.value) if cell.value is not None else cell.raw, first.source,
                           first.row, cell) for cell in resolution.cells]
    record.note_zh, record.note_en = resolution.note_zh, resolution.note_en
