"""Reads one printed cell: a number (with precision, unit, note), a blank, a dash, or text.

One function serves every format, so "0", "" , "/" and "无" mean the same wherever they appear.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Optional

from .report import Cell, CellState, Source

DASHES = frozenset({"/", "／", "-", "－", "—", "——", "–", "一", "无", "\\", "、"})
MAX_DIGITS = 30  # longer digit runs are not counts: kept as text, and extraction notes LIMIT-NUMBER-LENGTH

_NUMBER = re.compile(
    r"""^(?P<sign>[+\-])?
        (?P<int>\d{1,3}(?:,\d{3})+|\d+)
        (?P<frac>\.\d+)?
        \s*(?P<unit>万元|亿元|元|件|个|条|项|次|人次|份|家|%)?
        \s*(?P<note>（[^（）]*）)?$""",
    re.VERBOSE,
)
_ITEM_NUMBER = re.compile(r"^(?:\d{1,2}[.、]|（\d{1,2}）|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)$")


def _fold(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    text = text.replace("(", "（").replace(")", "）").replace("，", ",")
    return re.sub(r"\s+", " ", text)


def is_item_number(raw: str) -> bool:
    """"1.", "（三）", "二、": numbering, never a value."""
    return bool(_ITEM_NUMBER.match(_fold(raw).replace(" ", "")))


@lru_cache(maxsize=65536)
def _read(raw: str) -> tuple:
    """(state, value, decimals, unit, note) of a printed cell; cached, cells repeat a lot."""
    text = _fold(raw)
    if not text:
        return CellState.blank, None, 0, None, None
    if text in DASHES:
        return CellState.dash, None, 0, None, None
    if is_item_number(text):
        return CellState.text, None, 0, None, None
    match = _NUMBER.match(text.replace(" ", "", 1) if text.count(" ") == 1 and text[0] in "+-" else text)
    if not match:
        return CellState.text, None, 0, None, None
    digits = match.group("int").replace(",", "")
    fraction = match.group("frac") or ""
    if len(digits) > MAX_DIGITS or len(fraction) > MAX_DIGITS:
        return CellState.text, None, 0, None, None
    try:
        value = Decimal((match.group("sign") or "") + digits + fraction)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid literals
        return CellState.text, None, 0, None, None
    note = match.group("note")
    return (CellState.number, value, len(fraction) - 1 if fraction else 0, match.group("unit"),
            note[1:-1] if note else None)


def parse_cell(raw: str, source: Optional[Source] = None) -> Cell:
    """Type a printed cell. Never guesses: anything not plainly a number is blank, dash or text."""
    state, value, decimals, unit, note = _read(raw)
    return Cell(state=state, value=value, decimals=decimals, raw=raw, unit=unit, note=note, source=source)


def overlong_number(raw: str) -> int:
    """The digit count of a cell printed as a number too long to read as one (0 for anything else)."""
    if len(raw) <= MAX_DIGITS:
        return 0
    match = _NUMBER.match(_fold(raw))
    if not match:
        return 0
    count = len(match.group("int").replace(",", "")) + len(match.group("frac") or "") - bool(match.group("frac"))
    return count if count > MAX_DIGITS else 0


def cell_state(raw: str) -> CellState:
    return _read(raw)[0]


def looks_like_value(raw: str) -> bool:
    """True for what belongs in a value slot of a table: number, dash (not blank, not text)."""
    return cell_state(raw) in (CellState.number, CellState.dash)
