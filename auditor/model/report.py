"""The canonical data: Document (what a loader read) and Report (what extraction found).

Plain pydantic data; imports nothing of ours. Reported values are ``Decimal``, never
binary floats; JSON writes them as numbers.
"""
from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer


def _decimal_to_json(value: Optional[Decimal]):
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


JsonDecimal = Annotated[Decimal, PlainSerializer(_decimal_to_json, return_type=Union[int, float], when_used="json")]


class Source(BaseModel):
    """Where a piece of text stands in its file."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: Optional[int] = None  # 1-based; for HTML, lxml's source line of the element
    column: Optional[int] = None  # 1-based, where the format has columns
    page: Optional[int] = None  # PDF page, 1-based
    box: Optional[tuple[float, float, float, float]] = None  # PDF bounding box
    path: Optional[str] = None  # HTML element path, e.g. /html/body/table[2]/tr[5]/td[3]

    def short(self) -> str:
        """A compact human form: ``file:line:column``, ``file p.3`` or ``file path``."""
        where = self.file
        if self.page is not None:
            where += f" 第{self.page}页"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


class CellState(str, Enum):
    number = "number"  # a value printed plainly
    blank = "blank"  # nothing printed
    dash = "dash"  # "/", "-", "—", "无"
    text = "text"  # printed, but not a number
    missing = "missing"  # the row or column was not found in the document
    uncertain = "uncertain"  # read, but the reader is not sure (OCR)
    inferred = "inferred"  # derived by the reader (e.g. a split of fused digits)


VALUE_STATES = (CellState.number, CellState.uncertain, CellState.inferred)


class Cell(BaseModel):
    """One cell of a canonical table: typed value, raw text as printed, source."""

    state: CellState
    value: Optional[JsonDecimal] = None
    decimals: int = 0  # printed precision: digits after the decimal point
    raw: str = ""
    unit: Optional[str] = None  # "元", "万元", "件" when printed in the cell
    note: Optional[str] = None  # "其中修订16件" from "22（其中修订16件）"
    source: Optional[Source] = None

    @property
    def has_value(self) -> bool:
        return self.state in VALUE_STATES and self.value is not None


class Table(BaseModel):
    """A canonical table: ``rows[row_id][column_id] -> Cell``. Absent ids mean missing."""

    id: str
    found: bool = False
    title: Optional[str] = None
    source: Optional[Source] = None
    rows: dict[str, dict[str, Cell]] = Field(default_factory=dict)

    def cell(self, row: str, column: str) -> Cell:
        found = self.rows.get(row, {}).get(column)
        if found is None:
            return Cell(state=CellState.missing)
        return found


class TemplateGuess(BaseModel):
    """Which national template each table follows, and how sure extraction is (0..1)."""

    table2: str = "unknown"  # "2019" | "2021" | "pre-2019" | "unknown"
    table3: str = "unknown"
    confidence: float = 0.0
    overall: str = "unknown"  # "2019" | "2021" | "hybrid" | "pre-2019" | "unknown"
    reasons: list[str] = Field(default_factory=list)


class ExtractionNote(BaseModel):
    """Something extraction noticed and the rules may report (absent table, image-only table…)."""

    code: str
    table: Optional[str] = None
    message_zh: str
    message_en: str
    details: dict[str, object] = Field(default_factory=dict)
    source: Optional[Source] = None


class Report(BaseModel):
    file: str
    agency: Optional[str] = None
    year: Optional[int] = None
    template: TemplateGuess = Field(default_factory=TemplateGuess)
    tables: dict[str, Table] = Field(default_factory=dict)
    notes: list[ExtractionNote] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list)  # image file names found in the text

    def table(self, table_id: str) -> Table:
        return self.tables.get(table_id) or Table(id=table_id)


# ---------------------------------------------------------------- documents


class Piece(BaseModel):
    """A piece of text as a loader read it: a line, a table cell, a paragraph."""

    text: str
    source: Source
    origin: Optional[tuple[int, int]] = None  # grid cells: (row, col) of the spanning cell


class Row(BaseModel):
    """A run of pieces that the source lays out side by side (a line, a <tr>, a pipe row)."""

    pieces: list[Piece]
    kind: str = "line"  # "line" | "cells" (a table row: empty pieces are real blank cells)


class Document(BaseModel):
    """What a loader produces: rows of pieces in reading order, format-independent."""

    file: str
    format: str
    encoding: Optional[str] = None
    rows: list[Row] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)
    notes: list[ExtractionNote] = Field(default_factory=list)  # what the loader noticed: misnamed file, damaged pages

    def text_lines(self):
        """Every row joined as one line of text, with its first source."""
        for row in self.rows:
            if row.pieces:
                yield " ".join(p.text for p in row.pieces), row.pieces[0].source
