"""Human slips: name the likely cause of a proposed change (``current`` printed, ``proposed`` needed).

A registry of small detectors, each ``(current, proposed, context) -> Slip | None``. ``locate`` asks
every detector about every cell of a candidate correction and ranks corrections with evidence
above those without. The detectors only look at the printed values, the corrected values and the
template's order and groups: never at one report's particular labels.

Detectors (code, strength):

* ``digits_swapped`` (3): two adjacent digits swapped, 76 printed for 67.
* ``digit_doubled`` (3): a digit typed twice, 1155 printed for 155.
* ``digit_dropped`` (2): a digit left out, 15 printed for 105.
* ``row_shifted`` (3): the whole row printed one column to the left or right.
* ``total_zero`` (3): a total (row or column ``total``) printed as 0 although its parts are not.
* ``subtotal_in_leaf`` (2): a leaf printed with the sum of its group (a subtotal or total copied in).
* ``copied_row`` / ``copied_column`` (2): the value of the neighbouring row or column copied.

Neighbours across a total (a part next to its own total) are not compared: a total equals its only
non-zero part by construction, which says nothing about a slip.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from ..ruleset.expr import CellKey
from ..templates import TableView


@dataclass(frozen=True)
class Slip:
    code: str
    zh: str
    en: str
    strength: int = 1

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass
class SlipContext:
    """What a detector may look at besides the two values.

    ``value(row, column)`` is the printed value of a cell of the same table (None when not a
    number); ``corrected(row, column)`` the value once the whole correction is applied;
    ``changes`` the correction's cells as ``CellKey -> (current, proposed)``.
    """

    key: CellKey
    view: TableView
    value: Callable[[str, str], Optional[int]]
    corrected: Callable[[str, str], Optional[int]]
    changes: dict[CellKey, tuple[int, int]] = field(default_factory=dict)
    row_label: Callable[[str], str] = str
    column_label: Callable[[str], str] = str


Detector = Callable[[int, int, SlipContext], Optional[Slip]]
DETECTORS: list[tuple[str, Detector]] = []


def detector(code: str):
    """Register a detector under ``code`` (the order of registration is the order of preference)."""
    def register(function: Detector) -> Detector:
        DETECTORS.append((code, function))
        return function
    return register


def detect(current: int, proposed: int, context: SlipContext) -> Optional[Slip]:
    """The strongest slip any detector recognises (first registered among equals), or None."""
    best: Optional[Slip] = None
    for _, function in DETECTORS:
        found = function(current, proposed, context)
        if found is not None and (best is None or found.strength > best.strength):
            best = found
    return best


# ------------------------------------------------------------------------------- digits


@detector("digits_swapped")
def digits_swapped(current: int, proposed: int, context: SlipContext) -> Optional[Slip]:
    printed, meant = str(current), str(proposed)
    if len(printed) != len(meant) or len(printed) < 2 or current < 0 or proposed < 0:
        return None
    for i in range(len(printed) - 1):
        if (printed[i] != printed[i + 1] and printed[i] == meant[i + 1] and printed[i + 1] == meant[i]
                and printed[:i] == meant[:i] and printed[i + 2:] == meant[i + 2:]):
            return Slip("digits_swapped", "两位数字颠倒", "adjacent digits swapped", 3)
    return None


@detector("digit_doubled")
def digit_doubled(current: int, proposed: int, context: SlipContext) -> Optional[Slip]:
    printed, meant = str(current), str(proposed)
    if len(printed) != len(meant) + 1 or current < 0 or proposed < 0:
        return None
    for i in range(len(printed) - 1):
        if printed[i] == printed[i + 1] and printed[:i] + printed[i + 1:] == meant:
            return Slip("digit_doubled", "一位数字重复录入", "a digit doubled", 3)
    return None


@detector("digit_dropped")
def digit_dropped(current: int, proposed: int, context: SlipContext) -> Optional[Slip]:
    printed, meant = str(current), str(proposed)
    if current < 10 or proposed < 0 or len(meant) != len(printed) + 1:  # one digit left: too weak
        return None
    if any(meant[:i] + meant[i + 1:] == printed for i in range(len(meant))):
        return Slip("digit_dropped", "漏录一位数字", "a digit dropped", 2)
    return None


# ------------------------------------------------------------------------------- layout


def _is_total(row: str, column: str) -> bool:
    return row == "total" or column == "total"


@detector("total_zero")
def total_left_at_zero(current: int, proposed: int, context: SlipContext) -> Optional[Slip]:
    if current == 0 and proposed > 0 and _is_total(context.key.row, context.key.column):
        return Slip("total_zero", "总计漏填为 0", "total left at 0", 3)
    return None


@detector("row_shifted")
def row_shifted(current: int, proposed: int, context: SlipContext) -> Optional[Slip]:
    """The row's printed values are its corrected values moved one column left or right."""
    row = context.key.row
    in_row = [k for k in context.changes if k.table == context.key.table and k.row == row]
    if len(in_row) < 2:
        return None
    columns = context.view.column_ids
    if context.view.layout and row in context.view.layout:
        columns = tuple(c for c in columns if c in context.view.layout[row])
    printed = [context.value(row, c) for c in columns]
    meant = [context.corrected(row, c) for c in columns]
    if None in printed or None in meant or not any(meant):
        return None
    for shift in (1, -1):
        pairs = [(printed[j], meant[j - shift]) for j in range(len(columns)) if 0 <= j - shift < len(columns)]
        if all(p == m for p, m in pairs) and sum(1 for p, m in zip(printed, meant) if p != m) >= 2:
            direction = ("右", "right") if shift == 1 else ("左", "left")
            return Slip("row_shifted", f"整行向{direction[0]}错位一列", f"row shifted one column {direction[1]}", 3)
    return None


@detector("subtotal_in_leaf")
def subtotal_in_leaf(current: int, proposed: int, context: SlipContext) -> Optional[Slip]:
    """A leaf printed with the sum of a group it belongs to (of at least two non-zero corrected values)."""
    if current <= 0 or _is_total(context.key.row, context.key.column):
        return None
    key, view = context.key, context.view
    for axis, groups in (("row", view.row_groups), ("column", view.column_groups)):
        member = key.row if axis == "row" else key.column
        for name, members in sorted(groups.items()):
            if name == "all" or member not in members or len(members) < 2:
                continue
            if axis == "row":
                values = [context.corrected(m, key.column) for m in members]
            else:
                values = [context.corrected(key.row, m) for m in members]
            if None in values or sum(1 for v in values if v) < 2:  # a "subtotal" of one number is a copy
                continue
            if sum(values) == current and current != proposed:
                if axis == "row":
                    return Slip("subtotal_in_leaf", "疑似将小计写入明细行", "a subtotal written into a leaf row", 2)
                return Slip("subtotal_in_leaf", "疑似将小计写入明细列", "a subtotal written into a leaf column", 2)
    return None


@detector("copied_neighbour")
def copied_from_neighbour(current: int, proposed: int, context: SlipContext) -> Optional[Slip]:
    """The printed value equals the printed value of the next row or column (not a total's part)."""
    if abs(current) < 10 or current == proposed:  # small counts are often equal by chance
        return None
    key, view = context.key, context.view
    rows, columns = view.row_ids, view.column_ids
    if key.row in rows and key.row != "total":
        index = rows.index(key.row)
        for other in (index - 1, index + 1):
            if 0 <= other < len(rows) and rows[other] != "total" and context.value(rows[other], key.column) == current:
                label = context.row_label(rows[other])
                return Slip("copied_row", f"疑似照抄相邻行“{label}”的数值", f"copied from the neighbouring row {label}", 2)
    if key.column in columns and key.column != "total":
        index = columns.index(key.column)
        for other in (index - 1, index + 1):
            if (0 <= other < len(columns) and columns[other] != "total"
                    and context.value(key.row, columns[other]) == current):
                label = context.column_label(columns[other])
                return Slip("copied_column", f"疑似照抄相邻列“{label}”的数值",
                            f"copied from the neighbouring column {label}", 2)
    return None
