"""Loads a spreadsheet report (.xlsx, .xls, .ods) with python-calamine.

Every visible sheet, in order; every sheet row with two or more cells is a cell row, a row
with a single filled cell a line. Merged cells appear once, at their top-left cell
(``Piece.origin`` is the cell's (row, column) on the sheet), as in the HTML loader. Empty cells
are real blank cells except in the label columns (left of the first column holding a number).
Numbers are written as Excel shows them in General format (3001, 7730.28); dates as ISO text.
Sources carry the sheet row and column (1-based) and the reference, e.g. ``path="表3!D7"``.
"""
from __future__ import annotations

import datetime
import io
from typing import Optional

from ..model.report import Document
from ..model.errors import LoadError
from .geometry import join_lines


def column_letters(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return join_lines(str(value).replace("\r", "").split("\n"))


def _sheet_rows(sheet, name: str, file: str) -> list[dict]:
    from ..model.cells import cell_state
    from ..model.report import CellState

    grid = sheet.to_python(skip_empty_area=False)
    covered: set[tuple[int, int]] = set()
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered.add((r, c))
    texts = [[_text(v) for v in row] for row in grid]
    filled = [[c for c, t in enumerate(row) if t and (r, c) not in covered] for r, row in enumerate(texts)]
    # blocks: runs of rows with two or more filled cells or inside a merged range (a table);
    # any other row with one cell is a line
    merged_rows = {r for r, _ in covered}
    blocks: list[list[int]] = []
    for r, cells in enumerate(filled):
        if len(cells) >= 2 or (cells and r in merged_rows):
            if blocks and blocks[-1][-1] == r - 1:
                blocks[-1].append(r)
            else:
                blocks.append([r])
    block_of = {r: block for block in blocks for r in block}
    shape: dict[int, tuple[Optional[int], int]] = {}
    for block in blocks:
        value_columns = [c for r in block for c in filled[r] if cell_state(texts[r][c]) in (CellState.number, CellState.dash)]
        shape[id(block)] = (min(value_columns) if value_columns else None, max(c for r in block for c in filled[r]))
    rows: list[dict] = []
    for r, row in enumerate(texts):
        if not filled[r]:
            continue
        block = block_of.get(r)
        if block is None:
            for c in filled[r]:
                source = {"file": file, "line": r + 1, "column": c + 1, "path": f"{name}!{column_letters(c)}{r + 1}"}
                rows.append({"kind": "line", "pieces": [{"text": row[c], "source": source}]})
            continue
        first_value, last_column = shape[id(block)]
        pieces = []
        for c in range(min(len(row), last_column + 1)):
            if (r, c) in covered:
                continue
            text = row[c]
            if not text and (first_value is None or c < first_value):
                continue  # an empty label cell is no value
            source = {"file": file, "line": r + 1, "column": c + 1, "path": f"{name}!{column_letters(c)}{r + 1}"}
            pieces.append({"text": text, "source": source, "origin": (r, c)})
        rows.append({"kind": "cells", "pieces": pieces})
    return rows


def load_sheet(data: bytes, file: str, kind: str = "xlsx") -> Document:
    try:
        import python_calamine
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise LoadError("format-unsupported", "读取表格文件需要 python-calamine（pip install python-calamine）",
                        "reading spreadsheets needs python-calamine (pip install python-calamine)") from exc
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise LoadError("file-unreadable", f"表格文件有密码保护，无法读取：{file}",
                        f"the spreadsheet is password-protected: {file}") from None
    except Exception as exc:  # calamine raises several kinds for a damaged file
        raise LoadError("file-unreadable", f"表格文件无法解析（{type(exc).__name__}）：{file}",
                        f"the spreadsheet cannot be parsed ({type(exc).__name__}: {exc}): {file}") from None
    rows: list[dict] = []
    try:
        visible = {m.name: m.visible == python_calamine.SheetVisibleEnum.Visible for m in workbook.sheets_metadata}
        for name in workbook.sheet_names:
            if not visible.get(name, True):
                continue
            try:
                sheet = workbook.get_sheet_by_name(name)
            except Exception:  # a chart sheet or a sheet calamine cannot read
                continue
            rows.extend(_sheet_rows(sheet, name, file))
    finally:
        workbook.close()
    if not rows:
        raise LoadError("file-empty", f"表格文件中没有数据：{file}", f"the spreadsheet holds no data: {file}")
    return Document.model_validate({"file": file, "format": kind, "rows": rows,
                                    "metadata": {"sheets": ",".join(workbook.sheet_names)}})
