"""Sameness with last year's report: tables equal but for at most one number (C4 near-identical), and
narrative paragraphs copied (rapidfuzz ratio at or above a threshold, boilerplate left out)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from ...model.findings import Finding
from ...model.report import Document, Report
from ...policy import RunConfig
from ..narrative.claims import fold, paragraphs
from .context import Context
from .knowledge import knowledge

NEAR_IDENTICAL = "XY-NEAR-IDENTICAL"
COPIED_TEXT = "XY-COPIED-TEXT"
TABLES = ("table2", "table3", "table4")


def _numbers(report: Report, table: str) -> dict[tuple[str, str], Decimal]:
    return {(row, column): cell.value for row, columns in report.table(table).rows.items()
            for column, cell in columns.items() if cell.has_value}


def changed_cells(previous: Report, current: Report) -> Optional[list[tuple[str, str, str]]]:
    """The cells (of tables both reports have, in the same template) whose numbers differ, or None when
    the reports cannot be compared (no common table, different layouts, a cell present in one only)."""
    changed: list[tuple[str, str, str]] = []
    compared = 0
    for table in TABLES:
        if not (previous.table(table).found and current.table(table).found):
            continue
        templates = [(r.template.table2 if table == "table2" else r.template.table3) for r in (previous, current)]
        if templates[0] != templates[1]:
            return None
        now, before = _numbers(current, table), _numbers(previous, table)
        if set(now) != set(before):
            return None  # a cell read in one report only: we cannot tell a copy
        compared += len(now)
        changed += [(table, row, column) for (row, column), value in now.items() if before[(row, column)] != value]
    return changed if compared else None


def check_near_identical(previous: Report, current: Report, config: RunConfig) -> list[Finding]:
    """All but at most ``max_changed`` (and at least one) numbers equal last year's."""
    known = knowledge()
    changed = changed_cells(previous, current)
    if not changed or len(changed) > known.near_max_changed:
        return []
    shared = {v for t in TABLES for key, v in _numbers(current, t).items()
              if v != 0 and (t, *key) not in changed}
    if len(shared) < known.near_min_distinct:
        return []
    ctx = Context(current, Document(file=current.file, format="text"), config)
    cells = "、".join(f"{t}.{r}.{c}" for t, r, c in changed)
    return [ctx.finding(
        NEAR_IDENTICAL, f"表二至表四中只有 {len(changed)} 个数字（{cells}）与上年报告不同"
                        f"（本报告：{current.file}；上年报告：{previous.file}）",
        f"only {len(changed)} number(s) of tables 2–4 ({cells}) differ from last year's "
        f"(this report: {current.file}; last year's: {previous.file})")]


@dataclass
class Copied:
    paragraph: str  # this year's, folded
    previous: str  # last year's, folded
    score: float  # rapidfuzz ratio, 0–100


def narrative_paragraphs(document: Document, report: Optional[Report] = None) -> list[str]:
    """The narrative's paragraphs as printed (outside the tables): what the store keeps for the next year."""
    return [paragraph.text for paragraph in paragraphs(document, report)]


def comparable_paragraphs(texts: list[str]) -> list[str]:
    """The long paragraphs that are no boilerplate, folded."""
    known = knowledge()
    folded = (fold(text) for text in texts)
    return [text for text in folded if len(text) >= known.copied_min_length and not known.boilerplate.search(text[:40])]


def copied_paragraphs(previous: list[str], current: list[str]) -> list[Copied]:
    """This year's long paragraphs (boilerplate left out) that last year's report holds almost verbatim."""
    from rapidfuzz import fuzz  # only with last year's report (batch): not imported by a plain check

    threshold = knowledge().copied_similarity
    before = comparable_paragraphs(previous)
    found = []
    for text in comparable_paragraphs(current):
        best, score = None, 0.0
        for old in before:
            if 200 * min(len(old), len(text)) / (len(old) + len(text)) < threshold:
                continue  # the lengths alone keep the ratio under the threshold
            value = fuzz.ratio(text, old)
            if value > score:
                best, score = old, value
        if best is not None and score >= threshold:
            found.append(Copied(text, best, score))
    return found


def check_copied_text(previous: list[str], current: list[str], report: Report, previous_file: str,
                      config: RunConfig) -> list[Finding]:
    """XY-COPIED-TEXT: at least ``min_paragraphs`` of this year's paragraphs copied from last year's
    (``previous``, ``current``: the narrative paragraphs, ``narrative_paragraphs``)."""
    copied = copied_paragraphs(previous, current)
    if len(copied) < knowledge().copied_min_paragraphs:
        return []
    ctx = Context(report, Document(file=report.file, format="text"), config)
    named = "；".join(f"“{c.paragraph[:24]}…”（{c.score:.0f}%）" for c in copied[:3])
    named_en = "; ".join(f"“{c.paragraph[:24]}…” ({c.score:.0f}%)" for c in copied[:3])
    return [ctx.finding(
        COPIED_TEXT, f"{len(copied)} 个段落与上年报告（{previous_file}）的段落几乎相同：{named}"
                     f"（本报告：{report.file}）",
        f"{len(copied)} paragraph(s) are nearly the same as paragraphs of last year's report ({previous_file}): "
        f"{named_en} (this report: {report.file})", sentence=copied[0].paragraph)]
