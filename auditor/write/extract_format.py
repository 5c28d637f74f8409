"""Output of ``auditor extract``: the parsed tables, every cell with value, state, raw text, source."""
from __future__ import annotations

import tabulate as tabulate_module
from tabulate import tabulate

from ..model.report import Report
from ..templates import TABLE_IDS, resolve

tabulate_module.WIDE_CHARS_MODE = True

_SHOWN = {"blank": "(空)", "missing": "(缺)", "dash": None, "text": None}


def extract_json(report: Report) -> str:
    """The Report as JSON: {"file", "agency", "year", "template", "tables": {"table3": {"rows": ...}}, ...}."""
    return report.model_dump_json(indent=2) + "\n"


def _number(value) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _shown(cell, raw: bool = False) -> str:
    """The value recovered from the cell (``?`` when uncertain or inferred); with ``raw`` also the
    text as printed when it differs (a fused-cell page prints several numbers in one string)."""
    if cell.state.value in ("blank", "missing"):
        return _SHOWN[cell.state.value]
    if cell.has_value:
        mark = "?" if cell.state.value in ("uncertain", "inferred") else ""
        shown = _number(cell.value) + mark
        printed = " ".join(cell.raw.split())
        return f"{shown} «{printed}»" if raw and printed and printed != _number(cell.value) else shown
    return cell.raw.strip()


def extract_text(report: Report, lang: str = "zh", raw: bool = False) -> str:
    """The tables with the values recovered; ``raw`` (extract -v) adds the printed text beside each."""
    out = [f"== {report.file} · {report.agency or '?'} · {report.year or '?'} · "
           f"table2 {report.template.table2} · table3 {report.template.table3} · {report.template.confidence:.2f}"]
    for table_id in TABLE_IDS:
        table = report.tables.get(table_id)
        if table is None:
            out.append(f"\n[{table_id}] " + ("未找到" if lang == "zh" else "not found"))
            continue
        view = resolve(report.template, table_id)
        columns = list(dict.fromkeys(c for row in table.rows.values() for c in row)) if table_id == "table2" \
            else list(view.column_ids)
        rows = []
        for row_id in (view.row_ids if table_id != "table2" else table.rows.keys()):
            if row_id not in table.rows:
                continue
            spec = view.row(row_id)
            label = (spec.zh.split(" ")[-1] if spec and lang == "zh" else row_id)
            rows.append([label] + [_shown(table.cell(row_id, c), raw) if c in table.rows[row_id] else "" for c in columns])
        out.append(f"\n[{table_id}]")
        out.append(tabulate(rows, headers=[""] + columns, tablefmt="simple"))
    for note in report.notes:
        out.append(f"! {note.message_zh if lang == 'zh' else note.message_en}")
    return "\n".join(out) + "\n"
