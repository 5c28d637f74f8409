"""Cells fused with no separator, recovered from the column count and the row relation.

Some crawled pages lose every cell boundary of a table: "一、本年新收政府信息公开申请数量15130000154二、…"
is the row 151, 3, 0, 0, 0, 0, 154, and "…信息00000002.其他…" is seven zeros followed by item "2." of the
next label. Two steps undo this:

1. ``unfuse_document`` (before extraction): a line holding a fused table (a section keyword of the
   table followed by digit runs glued to labels) is cut into rows: one per label, with the digit
   run that follows it. An item number glued to the end of a digit run ("…00000002.其他") goes back
   to its label. Text before the table and after it stays as it was.
2. ``resolve_record`` (when records are built): a record with fewer values than the table's width
   whose digits could make up the width is split into ``width`` numbers — every way of cutting each
   printed run (no leading zeros except "0" itself) such that the row relation holds (table 3:
   总计 = the six applicant columns; table 4: 总计 = 维持 + 纠正 + 其他 + 尚未审结 in each group).
   A split that the column count alone forces (as many digits as cells), or the only split for
   which the relation holds, gives ``inferred`` cells (raw = the fused text, the note says how);
   that relation is no independent evidence for those cells, and findings resting on them say so.
   Several splits: a cell they all agree on (a run of zeros the column count fixes) is inferred,
   a cell they disagree on is ``uncertain`` (read as in the mostly-zero split) or ``missing``.
   No split: the row's cells become ``missing`` with a note listing what was tried.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Optional, Sequence

from ..load.geometry import OCR_LINE
from ..model.report import Cell, CellState, Document, Report, Row, Source
from ..model.text import normalize

MIN_TABLE_DIGITS = 7  # a fused row of table 3 has at least one digit per column
MAX_NUMBER_DIGITS = 7  # a count in these tables never needs more digits than this
KEYWORD_REACH = 600  # a fused table starts within this many characters of its section keyword
SEARCH_LIMIT = 200_000  # split candidates tried before a record is called ambiguous
MAX_CANDIDATES = 50  # more splits than this that satisfy the relation: too ambiguous to prefer one

_GROUP = re.compile(r"\d+(?:[ \u3000\xa0]+\d+)*")
_MARKER = re.compile(r"[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]")
_ITEM_AFTER = re.compile(r"\s*[.．、]\s*[^\d\s.．、]")
_ITEM_START = re.compile(r"\s*(\d{1,2})\s*[.．、]")
_ITEM_NUMBER = re.compile(r"(?<![\d.．])(\d{1,2})[.．、](?=[^\d\s.．、])")


# ------------------------------------------------------------------ relations

@dataclass(frozen=True)
class RowRelation:
    """A record's width and the groups that must add up: ((part indices), total index)."""

    width: int
    groups: tuple[tuple[tuple[int, ...], int], ...]
    text_zh: str = "总计等于各分项之和"
    text_en: str = "total equals the sum of its parts"

    def holds(self, values: Sequence[int]) -> bool:
        return all(sum(values[i] for i in parts) == values[total] for parts, total in self.groups)


def relation_for(column_ids: Sequence[str], parts: Sequence[str], total: str = "total", repeat: int = 1,
                 text_zh: str = "总计等于各分项之和", text_en: str = "total equals the sum of its parts") -> Optional[RowRelation]:
    """The relation of a template row (``repeat`` times side by side, as table 4's three groups)."""
    if total not in column_ids or not parts or any(p not in column_ids for p in parts):
        return None
    width = len(column_ids)
    groups = tuple((tuple(column_ids.index(p) + k * width for p in parts), column_ids.index(total) + k * width)
                   for k in range(repeat))
    return RowRelation(width * repeat, groups, text_zh, text_en)


# ------------------------------------------------------------------ splitting digit runs

def _cuts(run: str, count: int) -> Iterable[list[int]]:
    """Ways to cut one printed digit run into ``count`` numbers (no leading zeros but "0")."""
    if len(run) > count * MAX_NUMBER_DIGITS:  # too long for the count: no cut (prunes dead branches)
        return
    if count == 1:
        if (len(run) == 1 or run[0] != "0") and len(run) <= MAX_NUMBER_DIGITS:
            yield [int(run)]
        return
    for size in range(1, min(MAX_NUMBER_DIGITS, len(run) - count + 1) + 1):
        head = run[:size]
        if size > 1 and head[0] == "0":
            break
        for rest in _cuts(run[size:], count - 1):
            yield [int(head)] + rest


def _counts(runs: Sequence[str], width: int) -> Iterable[list[int]]:
    """How many numbers each run gives, summing to ``width`` (each at least one, at most its length)."""
    if not runs:
        if width == 0:
            yield []
        return
    first, rest = runs[0], runs[1:]
    least_rest = len(rest)
    most_rest = sum(len(r) for r in rest)
    for count in range(1, len(first) + 1):
        remaining = width - count
        if least_rest <= remaining <= most_rest:
            for tail in _counts(rest, remaining):
                yield [count] + tail


def splits(runs: Sequence[str], relation: Optional[RowRelation], width: int, limit: int = 3) -> tuple[list[list[int]], bool]:
    """Up to ``limit`` splits of the runs into ``width`` numbers for which the relation holds
    (every split when there is no relation), and whether the search was cut short."""
    found: list[list[int]] = []
    tried = 0
    for counts in _counts(list(runs), width):
        # The cuts of each run count against the same budget: listing them all first was
        # exponential in the run's length ("总计" + 30 digits: minutes; found by scripts/fuzz.py).
        per_run = []
        for run, count in zip(runs, counts):
            options = []
            for option in _cuts(run, count):
                tried += count  # a cut costs a step per number it makes
                if tried > SEARCH_LIMIT:
                    return found, True
                options.append(option)
            per_run.append(options)
        tried += 1
        if tried > SEARCH_LIMIT:
            return found, True
        if any(not options for options in per_run):
            continue
        stack = [(0, [])]
        while stack:
            index, values = stack.pop()
            if index == len(per_run):
                tried += 1
                if relation is None or relation.holds(values):
                    found.append(values)
                    if len(found) >= limit:
                        return found, False
                continue
            for option in per_run[index]:
                tried += 1
                if tried > SEARCH_LIMIT:
                    return found, True
                stack.append((index + 1, values + option))
    return found, False


@dataclass
class Resolution:
    """What ``resolve`` made of a record's value texts."""

    cells: Optional[list[Cell]]  # width cells, or None when the record is left as it was
    note_zh: Optional[str] = None
    note_en: Optional[str] = None


def _preferred(found: list[list[int]]) -> Optional[list[int]]:
    """The only split, or the one with strictly fewest non-zero cells (a fused row is mostly
    zeros: "220000022" is 22,0,0,0,0,0,22 rather than 2,20,0,0,0,0,22)."""
    if len(found) == 1:
        return found[0]
    if not found or len(found) >= MAX_CANDIDATES:
        return None
    ranked = sorted(found, key=lambda values: sum(1 for v in values if v))
    first, second = (sum(1 for v in values if v) for values in ranked[:2])
    return ranked[0] if first < second else None


def _digits(text: str) -> Optional[str]:
    return text if text.isdigit() and text.isascii() else None


def resolve(texts: Sequence[str], sources: Sequence[Optional[Source]], relation: Optional[RowRelation],
            width: int) -> Resolution:
    """Split the printed runs of a record that has fewer values than ``width``."""
    if relation is not None and relation.width != width:
        relation = None
    runs = [_digits(t.strip()) for t in texts]
    if not texts or len(texts) >= width or any(r is None for r in runs):
        return Resolution(None)
    total_digits = sum(len(r) for r in runs)
    if total_digits < width:
        return Resolution(None)
    fused = " ".join(texts)
    source = sources[0] if sources else None
    # Read by OCR, fewer numbers than cells more often means a cell was missed or two were read
    # as one than that the print fused them: a split is never a plain number, and only a unique one is kept.
    ocr = any(s is not None and s.path and s.path.startswith("ocr") for s in sources)
    if total_digits == width:  # one digit per cell: the column count alone decides
        values = [int(d) for r in runs for d in r]
        if ocr:
            note = f"OCR 读出“{fused}”，少于列数，按每格一位拆分，请核对原件"
        else:
            # the only split with a digit per cell, but only if no cell of the row was left blank
            note = f"由粘连数字“{fused}”按列数拆分（每格一位，唯一的拆分）；若原表有空格则不同，请核对原件"
        return Resolution([_cell(v, CellState.inferred, fused, note, source) for v in values])
    found, cut_short = splits(runs, relation, width, limit=MAX_CANDIDATES)
    complete = bool(found) and not cut_short and len(found) < MAX_CANDIDATES  # every split that holds is listed
    if complete and len(found) == 1:
        how = f"按列数与“{relation.text_zh}”" if relation else "按列数"
        note = f"由粘连数字“{fused}”{how}拆分（唯一满足的拆分）；该关系因此不能独立核对这些单元格"
        return Resolution([_cell(v, CellState.inferred, fused, note, source) for v in found[0]])
    if complete and not ocr:
        return _settled_cells(found, fused, relation, source)
    if found:
        shown = "；".join(",".join(map(str, f)) for f in found[:2])
        zh = (f"粘连数字“{fused}”有多种拆分都满足“{relation.text_zh if relation else '列数'}”（如 {shown}），"
              f"无法确定各单元格，请核对原件")
        en = f"fused digits \"{fused}\" split several ways that all satisfy the row relation (e.g. {shown}); cells unknown"
    elif cut_short:
        zh = f"粘连数字“{fused}”过长，无法拆分，请核对原件"
        en = f"fused digits \"{fused}\" are too long to split"
    else:
        zh = f"粘连数字“{fused}”没有任何拆分满足“{relation.text_zh if relation else '列数'}”，无法确定各单元格，请核对原件"
        en = f"no split of the fused digits \"{fused}\" satisfies the row relation; cells unknown"
    return Resolution([_cell(None, CellState.missing, fused, zh, source) for _ in range(width)], zh, en)


def _settled_cells(found: list[list[int]], fused: str, relation: Optional[RowRelation],
                   source: Optional[Source]) -> Resolution:
    """Several splits hold. A cell every split gives the same value (a run of zeros fixed by the
    column count) is inferred; a cell the splits disagree on is uncertain, read as in the split with
    strictly fewest non-zero cells (a fused row is mostly zeros), or missing when none is."""
    rule = relation.text_zh if relation else "列数"
    preferred = _preferred(found)
    shown = "；".join(",".join(map(str, f)) for f in found[:3])
    cells = []
    for index in range(len(found[0])):
        options = sorted({split[index] for split in found})
        if len(options) == 1:
            note = f"由粘连数字“{fused}”拆分：满足“{rule}”的 {len(found)} 种拆分在此格都是 {options[0]}"
            cells.append(_cell(options[0], CellState.inferred, fused, note, source))
        elif preferred is not None:
            note = (f"粘连数字“{fused}”有 {len(found)} 种拆分都满足“{rule}”（{shown}），此格可为 "
                    f"{'、'.join(map(str, options))}，取非零单元格最少的拆分，请核对原件")
            cells.append(_cell(preferred[index], CellState.uncertain, fused, note, source))
        else:
            note = (f"粘连数字“{fused}”有 {len(found)} 种拆分都满足“{rule}”（{shown}），此格可为 "
                    f"{'、'.join(map(str, options))}，无法确定，请核对原件")
            cells.append(_cell(None, CellState.missing, fused, note, source))
    zh = f"粘连数字“{fused}”有 {len(found)} 种拆分都满足“{rule}”（{shown}）；各拆分不一致的单元格未确定，请核对原件"
    en = (f"fused digits \"{fused}\" split {len(found)} ways that satisfy the row relation ({shown}); "
          f"cells the splits disagree on are not settled")
    return Resolution(cells, zh, en)


def _cell(value: Optional[int], state: CellState, raw: str, note: str, source: Optional[Source]) -> Cell:
    return Cell(state=state, value=Decimal(value) if value is not None else None, raw=raw, note=note, source=source)


# ------------------------------------------------------------------ fused lines -> rows

def _keyword_spans(key_text: str, keywords: Sequence[str]) -> list[tuple[int, int]]:
    spans = []
    for keyword in keywords:
        if not keyword:
            continue
        start = key_text.find(keyword)
        while start >= 0:
            spans.append((start, start + len(keyword)))
            start = key_text.find(keyword, start + 1)
    return sorted(spans)


def _digit_count(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _raw_keyword_spans(text: str, keywords: Sequence[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` whose normalised form is one of the (normalised) keywords."""
    pieces = list(map(normalize, text))
    folded = "".join(pieces)
    if len(folded) == len(text) and "" not in pieces:  # every character folds to one: same offsets
        return _keyword_spans(folded, keywords)
    owner = [index for index, piece in enumerate(pieces) for _ in piece]
    return [(owner[start], owner[end - 1] + 1) for start, end in _keyword_spans(folded, keywords)]


def _item_tail(text: str, run_start: int, run_end: int, label: str) -> int:
    """How many trailing digits of a run are the next label's item number ("…00000002.其他")."""
    if not _ITEM_AFTER.match(text, run_end):
        return 0
    digits = text[run_start:run_end]
    item = _ITEM_START.match(label)
    expected = str(int(item.group(1)) + 1) if item else None
    if expected and digits.endswith(expected) and len(digits.strip()) > len(expected):
        return len(expected)
    return 1


def split_fused_text(text: str, start_keywords: Sequence[str],
                     cut_keywords: Sequence[str]) -> Optional[list[tuple[int, int, Optional[tuple[int, int]]]]]:
    """Cut a fused line into (label start, label end, digit run or None) segments, or None when
    the line holds no fused table. Offsets index ``text``.

    The table starts at its section keyword (``start_keywords``) when a run of at least
    MIN_TABLE_DIGITS digits follows within KEYWORD_REACH characters; from there every such run is
    a row's cells, the text between two runs its labels (cut at section markers and after
    ``cut_keywords``). Text before the table and after its last run stays whole."""
    groups = [m for m in _GROUP.finditer(text) if _digit_count(m.group()) >= MIN_TABLE_DIGITS]
    if len(groups) < 2:
        return None
    begin = None
    for start, end in _raw_keyword_spans(text, start_keywords):
        following = [g for g in groups if g.start() >= end]
        if len(following) >= 2 and following[0].start() - end <= KEYWORD_REACH:
            begin = start
            break
    if begin is None:
        return None
    markers = [m for m in _MARKER.finditer(text, max(0, begin - 8), begin + 1) if m.end() <= begin + 1]
    if markers and begin - markers[-1].end() <= 1:
        begin = markers[-1].start()
    segments: list[tuple[int, int, Optional[tuple[int, int]]]] = []
    label_start = begin
    for group in groups:
        if group.start() < begin:
            continue
        run_start, run_end = group.start(), group.end()
        labels = _label_segments(text, label_start, run_start, cut_keywords)
        last_label = text[labels[-1][0]:labels[-1][1]].strip() if labels else ""
        tail = _item_tail(text, run_start, run_end, last_label)
        cut = run_end - tail
        if _digit_count(text[run_start:cut]) < MIN_TABLE_DIGITS:
            continue
        if labels:
            segments.extend(labels[:-1])
            segments.append((labels[-1][0], labels[-1][1], (run_start, cut)))
        else:
            segments.append((run_start, run_start, (run_start, cut)))
        label_start = cut
    if not segments:
        return None
    if text[label_start:].strip():
        segments.append((label_start, len(text), None))
    if text[:begin].strip():
        segments.insert(0, (0, begin, None))
    return segments


def _label_segments(text: str, start: int, end: int, cut_keywords: Sequence[str]) -> list[tuple[int, int, None]]:
    """A run of label text cut at section markers ("四、", "（一）") and after section keywords."""
    cuts = {start, end}
    for match in _MARKER.finditer(text, start, end):
        cuts.add(match.start())
    for match in _ITEM_NUMBER.finditer(text, start, end):
        cuts.add(match.start(1))
    for _, keyword_end in _raw_keyword_spans(text[start:end], cut_keywords):
        cuts.add(start + keyword_end)
    points = sorted(c for c in cuts if start <= c <= end)
    return [(a, b, None) for a, b in zip(points, points[1:]) if text[a:b].strip()]


def unfuse_document(document: Document, start_keywords: Sequence[str], cut_keywords: Sequence[str]) -> Document:
    """The document with every fused-table line cut into rows (see the module docstring)."""
    changed = False
    rows: list[Row] = []
    for row in document.rows:
        if row.kind != "line" or len(row.pieces) != 1 or len(row.pieces[0].text) < 60:
            rows.append(row)
            continue
        piece = row.pieces[0]
        segments = split_fused_text(piece.text, start_keywords, cut_keywords)
        if not segments:
            rows.append(row)
            continue
        changed = True
        for label_start, label_end, run in segments:
            pieces = []
            label = piece.text[label_start:label_end].strip()
            if label:
                pieces.append(piece.model_copy(update={"text": label, "source": _at(piece.source, label_start, piece.text)}))
            if run is not None:
                digits = piece.text[run[0]:run[1]].strip()
                if digits:
                    pieces.append(piece.model_copy(update={"text": digits, "source": _at(piece.source, run[0], piece.text)}))
            if pieces:
                rows.append(Row(pieces=pieces, kind="line"))
    if not changed:
        return document
    return document.model_copy(update={"rows": rows})


def _at(source: Source, offset: int, text: str) -> Source:
    if source.line is None:
        return source
    skip = len(text[offset:]) - len(text[offset:].lstrip())
    return source.model_copy(update={"column": (source.column or 1) + offset + skip})


# ------------------------------------------------------------------ OCR'd cells

def is_ocr_line(source: Optional[Source]) -> bool:
    path = source.path if source is not None else None
    return bool(path) and (path == OCR_LINE or path.startswith(OCR_LINE + ":"))


def _holds(cells: list[Cell], parts: Sequence[Cell], total: Cell) -> Optional[bool]:
    if not all(c.has_value for c in cells):
        return None
    return sum((c.value for c in parts), Decimal(0)) == total.value


def confirm_by_arithmetic(report: Report, row_groups: dict[str, dict[str, Sequence[str]]],
                          column_groups: dict[str, dict[str, Sequence[str]]]) -> int:
    """OCR'd (``uncertain``) cells of tables 3 and 4 that every relation through them confirms
    become plain numbers. A cell stays uncertain when a relation through it fails, cannot be
    read in full, or when no relation passes through it. Returns how many were confirmed.

    ``row_groups[table]`` / ``column_groups[table]`` name the parts of each total:
    {"parts": [...], "total": "total"}. The relations: a row's total = its parts (table 3's I1,
    table 4's I3), and for table 3 a column's total row = its outcome rows (I2) and
    一 + 二 = 七 + 四 (S1)."""
    confirmed = 0
    for table_id in ("table3", "table4"):
        table = report.tables.get(table_id)
        if table is None:
            continue
        doubtful = [(r, c) for r, cells in table.rows.items() for c, cell in cells.items()
                    if cell.state == CellState.uncertain]
        if not doubtful:
            continue
        checks: list[tuple[set, Optional[bool]]] = []
        columns = column_groups.get(table_id)
        if columns:
            for row_id, cells in table.rows.items():
                parts = [table.cell(row_id, c) for c in columns["parts"]]
                total = table.cell(row_id, columns["total"])
                members = {(row_id, c) for c in list(columns["parts"]) + [columns["total"]]}
                checks.append((members, _holds(parts + [total], parts, total)))
        rows = row_groups.get(table_id)
        if rows:
            column_ids = {c for cells in table.rows.values() for c in cells}
            present = [r for r in rows["parts"] if r in table.rows]
            for column in column_ids:
                parts = [table.cell(r, column) for r in present]
                total = table.cell(rows["total"], column)
                members = {(r, column) for r in present + [rows["total"]]}
                checks.append((members, _holds(parts + [total], parts, total)))
                if table_id == "table3":
                    sides = [table.cell(r, column) for r in ("new", "carried_over", "total", "carried_forward")]
                    if all(c.has_value for c in sides):
                        ok = sides[0].value + sides[1].value == sides[2].value + sides[3].value
                    else:
                        ok = None
                    checks.append(({(r, column) for r in ("new", "carried_over", "total", "carried_forward")}, ok))
        for row_id, column in doubtful:
            cell = table.rows[row_id][column]
            if not rows and is_ocr_line(cell.source):
                # No found grid placed this cell: with no relation across rows (table 4), a row's
                # numbers landing in another row's place, or shifted by a column, still add up.
                cell.note = "OCR 识别（未找到表格线，位置无法核实），请核对原件"
                continue
            through = [ok for members, ok in checks if (row_id, column) in members]
            if through and all(ok is True for ok in through):
                cell.state = CellState.number
                cell.note = "OCR 识别，勾稽关系核对一致"
                confirmed += 1
    return confirmed
