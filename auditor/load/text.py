"""Loads plain text and Markdown: lines become rows; pipe rows and tab/space runs become cells.

Text copied from a web page comes as one cell per line (blank lines between) or a row per line
(cells separated by tabs, pipes or runs of spaces); Markdown adds pipe tables and # headings.
"""
from __future__ import annotations

import re

from ..model.report import Document

_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CELL_GAP = re.compile(r"\t+|\s{2,}|\u3000+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
# Anchored at the start of a run of name characters: unanchored, each position of a long run
# (a 5000-digit number) was a new start and the search quadratic (found by scripts/fuzz.py).
# Only the extension ignores case (the name's classes have no case to ignore): the same matches, and a
# third of the compile time of a whole-pattern IGNORECASE (start-up).
_IMAGE = re.compile(r"(?<![\w\-.\u4e00-\u9fff])[\w\-.\u4e00-\u9fff]+\.(?i:png|jpe?g|gif|bmp|webp|tiff?)\b")


def _piece(text: str, file: str, line: int, column: int) -> dict:
    # Plain dicts, validated once for the whole document (pydantic's core is fastest that way).
    return {"text": text, "source": {"file": file, "line": line, "column": column}}


def _pipe_cells(line: str, line_no: int, file: str) -> list[dict]:
    body = line.strip()
    start = line.index(body[0]) if body else 0
    if body.startswith("|"):
        body, start = body[1:], start + 1
    if body.endswith("|"):
        body = body[:-1]
    pieces, offset = [], start
    for part in body.split("|"):
        column = offset + (len(part) - len(part.lstrip())) + 1
        pieces.append(_piece(part.strip(), file, line_no, column))
        offset += len(part) + 1
    return pieces


def _gap_cells(line: str, line_no: int, file: str) -> list[dict]:
    if _CELL_GAP.search(line) is None:  # prose and one-cell lines (most of a report): one piece
        text = line.strip()
        return [_piece(text, file, line_no, len(line) - len(line.lstrip()) + 1)] if text else []
    pieces, position = [], 0
    for part in _CELL_GAP.split(line):
        index = line.find(part, position) if part else position
        position = index + len(part)
        if part.strip():
            column = index + (len(part) - len(part.lstrip())) + 1
            pieces.append(_piece(part.strip(), file, line_no, column))
    return pieces


def rows_from_text(text: str, file: str, markdown: bool = False) -> list[dict]:
    rows: list[dict] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.count("|") >= 2 and "|" in line.strip()[:1] + line.strip()[-1:]:
            if _PIPE_SEPARATOR.match(line):
                continue
            rows.append({"pieces": _pipe_cells(line, line_no, file), "kind": "cells"})
            continue
        if markdown:
            heading = _HEADING.match(line)
            if heading:
                line = " " * heading.end() + line[heading.end():]
        pieces = _gap_cells(line, line_no, file)
        if pieces:
            rows.append({"pieces": pieces, "kind": "line"})
    return rows


def load_text(text: str, file: str, encoding: str | None = None, markdown: bool = False) -> Document:
    return Document.model_validate({
        "file": file,
        "format": "markdown" if markdown else "text",
        "encoding": encoding,
        "rows": rows_from_text(text, file, markdown=markdown),
        "images": _IMAGE.findall(text),
    })
