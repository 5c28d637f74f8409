"""Cells, tables and rows in words, as the template prints them: every message and writer uses these."""
from __future__ import annotations

from ..ruleset.expr import REPORT_QUALIFIERS, CellKey, split_qualifier
from ..templates import resolve, table_number


def cell_label(key: CellKey, guess, lang: str = "zh") -> str:
    """A cell as printed ("表三“总计”行“自然人”列"), in the template its table follows in the report
    (``guess``: the report's ``TemplateGuess``). A qualified table of a cross-report rule
    ("prev.table3") is labelled with its report ("上年报告表三…"); other qualifiers add nothing."""
    qualifier, table = split_qualifier(key.table)
    view = resolve(guess, table)
    row, column = view.row(key.row), view.column(key.column)
    zh_prefix, en_prefix = REPORT_QUALIFIERS.get(qualifier, ("", ""))
    if lang == "zh":
        row_name = (row.zh if row else key.row).split(" ")[-1]
        column_name = column.zh if column else key.column
        return f"{zh_prefix}{table_number(table)}“{row_name}”行“{column_name}”列"
    row_name = row.en if row and row.en else key.row
    column_name = column.en if column and column.en else key.column
    return f"{en_prefix + ' ' if en_prefix else ''}{table_number(table, 'en')} row \"{row_name}\" column \"{column_name}\""


def row_words(view, row_id: str, lang: str = "zh") -> str:
    """A row of a table view as printed: 表三“（四）无法提供 1.本机关不掌握相关政府信息”行 / Table 3 row "…"."""
    spec = view.row(row_id)
    if lang == "zh":
        return f"{table_number(view.table)}“{spec.zh if spec else row_id}”行"
    return f"{table_number(view.table, 'en')} row \"{spec.en if spec and spec.en else row_id}\""


def column_words(view, column_id: str, lang: str = "zh") -> str:
    spec = view.column(column_id)
    if lang == "zh":
        return f"“{spec.zh.split(' ')[-1] if spec else column_id}”列"
    return f"column \"{spec.en if spec and spec.en else column_id}\""
