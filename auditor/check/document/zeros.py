"""All statutory cells zero or blank while the narrative states a count above zero: the tables may
have been left unfilled. The narrative's counts are its claims (auditor/check/narrative)."""
from __future__ import annotations

from ...model.findings import Finding
from ...model.report import CellState
from .context import Context
from ..narrative.claims import extract_claims

ALL_ZERO = "DOC-ALL-ZERO"
_EMPTY = (CellState.blank, CellState.dash)


def tables_read(ctx: Context) -> bool:
    """The tables the check needs were found."""
    return all(ctx.report.table(t).found and ctx.report.table(t).rows for t in ctx.knowledge.all_zero_required)


def all_zero(ctx: Context) -> bool:
    """The required tables were found, and no table of the list found holds a number above zero or text."""
    if not tables_read(ctx):
        return False
    tables = [ctx.report.table(t) for t in ctx.knowledge.all_zero_tables if ctx.report.table(t).found]
    for table in tables:
        for cells in table.rows.values():
            for cell in cells.values():
                if cell.has_value and cell.value != 0:
                    return False
                if not cell.has_value and cell.state not in _EMPTY:
                    return False  # text, missing or unreadable: we cannot say it is zero
    return True


def check_all_zero(ctx: Context) -> list[Finding]:
    if not all_zero(ctx):
        return []
    counts = [c for c in extract_claims(ctx.document, ctx.report)
              if c.kind == "count" and c.number is not None and c.number.value > 0]
    if not counts:
        return []
    claim = counts[0]
    return [ctx.finding(
        ALL_ZERO, f"表二至表四全为0或空白，正文却写有“{claim.text}”", f"tables 2–4 are all zero or blank while the "
        f"narrative states “{claim.text}”", source=claim.source, sentence=claim.sentence.text)]
