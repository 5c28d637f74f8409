"""Two versions of one report compared (``auditor diff``): every cell whose reading changed, the
narrative's sentences added, removed or changed, the parts of the national format added or removed.

A cell changes when its value or its state changes (blank, "/" and 0 are different readings); the
same number printed differently ("1,234" and "1234") is no change. Sentences are the narrative's
(paragraphs outside the tables, as the narrative check reads them), compared folded (traditional and
simplified, full and half width alike) and aligned with difflib.
"""
from __future__ import annotations

import difflib
import re
from typing import Optional

from ..model.diff import CellChange, ReportDiff, SentenceChange
from ..model.report import Cell, CellState, Document, Report
from ..present.labels import cell_label
from ..ruleset.expr import CellKey
from ..templates import TABLE_IDS
from .document.knowledge import knowledge
from .document.parts import find_parts
from .document.text import DocumentText
from .narrative.claims import fold, paragraphs

_SENTENCE_END = re.compile(r"(?<=[。！？!?])")
_MISSING = Cell(state=CellState.missing)


def _same(old: Cell, new: Cell) -> bool:
    if old.has_value or new.has_value:
        return old.has_value and new.has_value and old.value == new.value
    if old.state != new.state:
        return False
    return old.state != CellState.text or fold(old.raw) == fold(new.raw)


def cell_changes(old: Report, new: Report) -> list[CellChange]:
    """Every cell of tables 2–4 whose reading differs, in table, row and column order of the new report."""
    changes: list[CellChange] = []
    for table_id in TABLE_IDS:
        before, after = old.tables.get(table_id), new.tables.get(table_id)
        rows_before = before.rows if before is not None and before.found else {}
        rows_after = after.rows if after is not None and after.found else {}
        for row in dict.fromkeys([*rows_after, *rows_before]):
            columns = dict.fromkeys([*rows_after.get(row, {}), *rows_before.get(row, {})])
            for column in columns:
                was = rows_before.get(row, {}).get(column, _MISSING)
                now = rows_after.get(row, {}).get(column, _MISSING)
                if _same(was, now):
                    continue
                template = new.template if row in rows_after else old.template
                changes.append(CellChange(
                    table=table_id, row=row, column=column, label=cell_label(CellKey(table_id, row, column), template),
                    old_raw=was.raw, new_raw=now.raw, old_value=was.value if was.has_value else None,
                    new_value=now.value if now.has_value else None, old_state=was.state.value,
                    new_state=now.state.value, new_source=now.source))
    return changes


def narrative_sentences(document: Document, report: Optional[Report] = None) -> list[str]:
    """The narrative's sentences as printed (stripped), in reading order."""
    found = []
    for paragraph in paragraphs(document, report):
        found += [s.strip() for s in _SENTENCE_END.split(paragraph.text) if s.strip()]
    return found


def sentence_changes(old: list[str], new: list[str]) -> list[SentenceChange]:
    matcher = difflib.SequenceMatcher(a=[fold(s) for s in old], b=[fold(s) for s in new], autojunk=False)
    changes: list[SentenceChange] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        removed, added = old[a1:a2], new[b1:b2]
        pairs = min(len(removed), len(added)) if op == "replace" else 0
        changes += [SentenceChange(change="changed", old=o, new=n) for o, n in zip(removed[:pairs], added[:pairs])]
        changes += [SentenceChange(change="removed", old=o) for o in removed[pairs:]]
        changes += [SentenceChange(change="added", new=n) for n in added[pairs:]]
    return changes


def _parts(document: Document) -> set[int]:
    return {heading.part.number for heading in find_parts(DocumentText.of(document), knowledge())}


def diff_reports(old: Report, new: Report, old_document: Optional[Document] = None,
                 new_document: Optional[Document] = None) -> ReportDiff:
    """The differences of two versions; the text is compared when both documents are given."""
    cells = cell_changes(old, new)
    result = ReportDiff(old_file=old.file, new_file=new.file, agency=(old.agency, new.agency), year=(old.year, new.year),
                        template=(old.template.overall, new.template.overall), cells=cells,
                        numbers_changed=bool(cells), text_compared=old_document is not None and new_document is not None)
    if result.text_compared:
        result.sentences = sentence_changes(narrative_sentences(old_document, old), narrative_sentences(new_document, new))
        before, after = _parts(old_document), _parts(new_document)
        result.parts_added, result.parts_removed = sorted(after - before), sorted(before - after)
    return result
