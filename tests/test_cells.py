"""One printed cell -> typed Cell: numbers keep precision, unit and note; blank, dash, text apart."""
from decimal import Decimal

import pytest

from auditor.model.cells import is_item_number, parse_cell


@pytest.mark.parametrize("raw,state,value,decimals,unit,note", [
    ("0", "number", Decimal(0), 0, None, None),
    ("", "blank", None, 0, None, None),
    ("\xa0", "blank", None, 0, None, None),
    ("/", "dash", None, 0, None, None),
    ("—", "dash", None, 0, None, None),
    ("无", "dash", None, 0, None, None),
    ("-57", "number", Decimal(-57), 0, None, None),
    ("+46", "number", Decimal(46), 0, None, None),
    ("172195991.7元", "number", Decimal("172195991.7"), 1, "元", None),
    ("157325万元", "number", Decimal(157325), 0, "万元", None),
    ("616178.201", "number", Decimal("616178.201"), 3, None, None),
    ("22（其中修订16件）", "number", Decimal(22), 0, None, "其中修订16件"),
    ("55(含自然失效29件)", "number", Decimal(55), 0, None, "含自然失效29件"),
    ("１２", "number", Decimal(12), 0, None, None),
    ("1,234", "number", Decimal(1234), 0, None, None),
    ("规章", "text", None, 0, None, None),
    ("〔202130", "text", None, 0, None, None),
])
def test_parse_cell(raw, state, value, decimals, unit, note):
    cell = parse_cell(raw)
    assert (cell.state.value, cell.value, cell.decimals, cell.unit, cell.note) == (state, value, decimals, unit, note)
    assert cell.raw == raw


@pytest.mark.parametrize("raw", ["1.", "1．", "（三）", "(3)", "二、", "12、"])
def test_item_numbers_are_never_values(raw):
    assert is_item_number(raw)
    assert parse_cell(raw).state.value == "text"


def test_overlong_digit_runs_are_text_not_numbers():
    assert parse_cell("9" * 40).state.value == "text"
