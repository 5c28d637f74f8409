"""Output of ``auditor diff``: JSON (docs/schema/diff.schema.json) and text."""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from ..check.document.knowledge import knowledge
from ..model.diff import CellChange, ReportDiff

_STATES_ZH = {"blank": "空白", "missing": "缺", "dash": "“/”", "text": "文字"}
_STATES_EN = {"blank": "blank", "missing": "missing", "dash": "dash", "text": "text"}


def diff_json(diff: ReportDiff) -> str:
    return diff.model_dump_json(indent=2) + "\n"


def _number(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")


def _reading(raw: str, value: Optional[Decimal], state: str, lang: str) -> str:
    if value is not None:  # the value read (a fused cell's raw text holds its whole row)
        doubt = {"uncertain": ("（存疑）", " (uncertain)"), "inferred": ("（推断）", " (inferred)")}.get(state)
        return _number(value) + (doubt[0 if lang == "zh" else 1] if doubt else "")
    shown = (_STATES_ZH if lang == "zh" else _STATES_EN).get(state, state)
    return f"{raw.strip()}（{shown}）" if state == "text" and raw.strip() else shown


def _cell_line(change: CellChange, lang: str) -> str:
    old = _reading(change.old_raw, change.old_value, change.old_state, lang)
    new = _reading(change.new_raw, change.new_value, change.new_state, lang)
    where = f"{change.table}.{change.row}.{change.column}"
    return f"  {where}  {change.label}：{old} → {new}" if lang == "zh" else f"  {where}  {change.label}: {old} -> {new}"


def _part_names(numbers: list[int], lang: str) -> str:
    titles = {p.number: p.title(lang) for p in knowledge().parts}
    return ("、" if lang == "zh" else ", ").join(f"{n} {titles.get(n, '')}".strip() for n in numbers)


def diff_text(diff: ReportDiff, lang: str = "zh") -> str:
    zh = lang == "zh"
    out = [f"{'比较' if zh else 'comparing'} {diff.old_file} → {diff.new_file}"]
    for name_zh, name_en, (old, new) in (("机关", "agency", diff.agency), ("年度", "year", diff.year),
                                         ("模板", "template", diff.template)):
        if old != new:
            out.append(f"{name_zh if zh else name_en}：{old} → {new}" if zh else f"{name_en}: {old} -> {new}")
    out.append(f"表格：{len(diff.cells)} 个单元格有变动" if zh else f"tables: {len(diff.cells)} cell(s) changed")
    out += [_cell_line(change, lang) for change in diff.cells]
    if not diff.text_compared:
        out.append("正文：未比较（存储中只有表格）" if zh else "text: not compared (the store keeps the tables only)")
    else:
        out.append(f"正文：{len(diff.sentences)} 处句子有变动" if zh else f"text: {len(diff.sentences)} sentence change(s)")
        marks = {"removed": "-", "added": "+"}
        for change in diff.sentences:
            if change.change == "changed":
                out += [f"  - {change.old}", f"  + {change.new}"]
            else:
                out.append(f"  {marks[change.change]} {change.old or change.new}")
        if diff.parts_added:
            out.append(("新增部分：" if zh else "parts added: ") + _part_names(diff.parts_added, lang))
        if diff.parts_removed:
            out.append(("删去部分：" if zh else "parts removed: ") + _part_names(diff.parts_removed, lang))
    out.append(("数字有变动（退出码 1）" if zh else "numbers changed (exit 1)") if diff.numbers_changed else
               ("数字无变动" if zh else "no number changed"))
    return "\n".join(out) + "\n"
