"""The human-slip detectors (auditor/slips.py), one by one, on small hand-made tables."""
from __future__ import annotations

from typing import Optional

import pytest

from auditor.ruleset.expr import CellKey
from auditor.locate.slips import DETECTORS, SlipContext, detect
from auditor.templates import template_view

VIEW3 = template_view("table3", "2021")
VIEW4 = template_view("table4", "2021")


def context(key: CellKey, printed: dict, changes: Optional[dict] = None) -> SlipContext:
    """``printed``: {(row, column): value} (absent cells are 0); ``changes``: {(row, column): proposed}."""
    changes = changes or {}
    view = VIEW3 if key.table == "table3" else VIEW4

    def value(row, column):
        return printed.get((row, column), 0)

    def corrected(row, column):
        return changes.get((row, column), value(row, column))

    keyed = {CellKey(key.table, r, c): (value(r, c), p) for (r, c), p in changes.items()}
    return SlipContext(key, view, value, corrected, keyed,
                       lambda row: view.row(row).zh.split(" ")[-1], lambda column: view.column(column).zh)


def slip(key: CellKey, current: int, proposed: int, printed=None, changes=None):
    printed = dict(printed or {})
    printed[(key.row, key.column)] = current
    changes = dict(changes or {})
    changes[(key.row, key.column)] = proposed
    return detect(current, proposed, context(key, printed, changes))


GRANTED = CellKey("table3", "granted", "natural_person")


def test_registry_lists_every_detector_once():
    codes = [code for code, _ in DETECTORS]
    assert codes == ["digits_swapped", "digit_doubled", "digit_dropped", "total_zero", "row_shifted",
                     "subtotal_in_leaf", "copied_neighbour"]


@pytest.mark.parametrize("current, proposed, code", [
    (76, 67, "digits_swapped"), (116, 161, "digits_swapped"), (1243, 1423, "digits_swapped"),
    (1155, 155, "digit_doubled"), (100, 10, "digit_doubled"),
    (15, 105, "digit_dropped"), (19, 193, "digit_dropped"),
])
def test_digit_slips(current, proposed, code):
    found = slip(GRANTED, current, proposed)
    assert found is not None and found.code == code


@pytest.mark.parametrize("current, proposed", [
    (66, 66), (76, 68), (7, 67), (5, 15), (0, 10), (123, 321), (12, 34), (1234, 124),
])
def test_no_digit_slip_where_there_is_none(current, proposed):
    assert slip(GRANTED, current, proposed) is None


def test_texts_in_both_languages():
    found = slip(GRANTED, 76, 67)
    assert (found.zh, found.en, found.text("en")) == ("两位数字颠倒", "adjacent digits swapped", "adjacent digits swapped")


def test_total_left_at_zero_only_for_totals():
    assert slip(CellKey("table4", "review", "total"), 0, 11).code == "total_zero"
    assert slip(CellKey("table3", "granted", "total"), 0, 4).code == "total_zero"
    assert slip(CellKey("table3", "total", "natural_person"), 0, 4).code == "total_zero"
    assert slip(CellKey("table4", "review", "upheld"), 0, 11) is None
    assert slip(CellKey("table4", "review", "total"), 3, 11) is None


def test_copied_from_the_neighbouring_row_or_column():
    found = slip(GRANTED, 35, 20, printed={("partial", "natural_person"): 35})
    assert (found.code, found.zh) == ("copied_row", "疑似照抄相邻行“（二）部分公开”的数值")
    found = slip(GRANTED, 35, 20, printed={("granted", "commercial"): 35})
    assert found.code == "copied_column" and "商业企业" in found.zh
    # small numbers are often equal by chance; a total is not compared with its own parts
    assert slip(GRANTED, 3, 2, printed={("partial", "natural_person"): 3}) is None
    assert slip(CellKey("table3", "granted", "other_org"), 35, 20, printed={("granted", "total"): 35}) is None


def test_subtotal_written_into_a_leaf():
    key = CellKey("table3", "denied_1", "natural_person")
    printed = {("denied_2", "natural_person"): 4, ("denied_3", "natural_person"): 3}
    found = slip(key, 9, 2, printed=printed)  # 2 + 4 + 3: the 不予公开 subtotal in its first leaf
    assert (found.code, found.en) == ("subtotal_in_leaf", "a subtotal written into a leaf row")
    # the group total of table 4 copied into a part
    found = slip(CellKey("table4", "review", "upheld"), 11, 10, printed={("review", "corrected"): 1})
    assert found.code == "subtotal_in_leaf" and found.en.endswith("leaf column")
    # a "subtotal" of a single number is only a copy: not this slip
    assert slip(key, 4, 0, printed={("denied_2", "natural_person"): 4}) is None


def test_row_shifted_by_one_column():
    # printed: 0 3 0 0 0 0 0 — meant: 3 0 0 0 0 0 3 (shifted one column to the right, total lost)
    key = CellKey("table3", "new", "commercial")
    printed = {("new", "commercial"): 3}
    changes = {("new", "natural_person"): 3, ("new", "total"): 3}
    found = slip(key, 3, 0, printed=printed, changes=changes)
    assert found.code == "row_shifted" and found.en == "row shifted one column right"
    # one changed cell is not a shifted row
    assert slip(key, 3, 0, printed=printed) is None


def test_strongest_slip_wins():
    # 76 printed for 67 next to a row printing 76: digits swapped (3) over a copy (2)
    found = slip(GRANTED, 76, 67, printed={("partial", "natural_person"): 76})
    assert found.code == "digits_swapped"
    assert slip(GRANTED, 76, 60, printed={("partial", "natural_person"): 76}).code == "copied_row"
