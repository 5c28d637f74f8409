"""Document + templates -> Report: finds tables 2, 3 and 4, maps them onto template ids,
detects the template and says how sure it is.

Rows are matched by the template's label lists first and the template's row order second
(a monotone alignment, so unlabeled rows between two recognised ones still land right);
fuzzy matching is only a fallback that must beat the runner-up clearly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional


from ..model.cells import MAX_DIGITS, overlong_number
from .fused import confirm_by_arithmetic, relation_for, unfuse_document
from .identity import read_identity
from ..model.report import Cell, CellState, Document, ExtractionNote, Report, Table, TemplateGuess
from ..model.text import label_key, normalize, strip_item_numbers
from ..present.labels import column_words, row_words
from ..templates import (
    DEFAULT_TEMPLATE,
    LabelSpec,
    TableView,
    heading_match,
    lineage,
    resolve,
    row_match,
    template_for_year,
    template_ids,
    template_view,
)
from .tokens import Record, build_records, unfuse_record

HEADING_SLACK = 26  # a heading is a short row: its keyword plus at most this many characters
FUZZY_MIN, FUZZY_MARGIN = 78, 10
END_KEYWORDS = tuple(normalize(k) for k in (
    "存在的主要问题", "主要问题及改进情况", "其他需要报告的事项", "存在问题和改进", "工作存在的主要问题"))


# ------------------------------------------------------------------ locating sections

def _row_keys(document: Document) -> list[str]:
    return [normalize(" ".join(p.text for p in row.pieces)) for row in document.rows]


def _heading_rows(keys: list[str], keywords: tuple[str, ...], start: int = 0, end: Optional[int] = None) -> list[int]:
    found = []
    longest = max((len(k) for k in keywords), default=0) + HEADING_SLACK
    for index in range(start, len(keys) if end is None else min(end, len(keys))):
        key = keys[index]
        if len(key) > longest:  # most rows are prose: too long to be a heading
            continue
        for keyword in keywords:
            if keyword in key and len(key) <= len(keyword) + HEADING_SLACK:
                found.append(index)
                break
    return found


def _first_end_heading(keys: list[str], start: int) -> Optional[int]:
    hits = _heading_rows(keys, END_KEYWORDS, start)
    return hits[0] if hits else None


# A table's header is found by its printed labels, not by its section heading (which may be misspelt,
# missing or elsewhere): a row made mostly of the template's header labels, with no sentence in it.
HEADER_COVERAGE = 0.6  # share of a header row's characters that are the table's header labels
HEADER_REACH = 40  # table 3's header stands within this many rows before its first row label
HEADER_GAP = 10  # a section heading further than this before the header does not open the table
_SENTENCE_MARKS = ("。", "；", "，")


def header_labels(view: TableView) -> tuple[str, ...]:
    """The labels a table's header (and table 4's row headings) are printed with, longest first."""
    specs = list(view.columns) + list(view.headings) + (list(view.rows) if view.table == "table4" else [])
    names = {name for spec in specs for name in spec.labels + spec.keywords if len(name) >= 2}
    names.update(k for k in view.header_keywords if len(k) >= 2)
    return tuple(sorted(names, key=len, reverse=True))


def label_coverage(key: str, labels: tuple[str, ...]) -> float:
    """The share of ``key``'s characters inside an occurrence of one of ``labels``."""
    if not key:
        return 0.0
    covered = [False] * len(key)
    for label in labels:
        at = key.find(label)
        while at >= 0:
            covered[at:at + len(label)] = [True] * len(label)
            at = key.find(label, at + 1)
    return sum(covered) / len(key)


def _is_header_row(key: str, labels: tuple[str, ...], required: tuple[str, ...]) -> bool:
    """A row naming at least one of ``required`` and made mostly of header labels (a sentence that
    mentions them is not)."""
    if not any(r in key for r in required) or any(mark in key for mark in _SENTENCE_MARKS):
        return False
    return label_coverage(strip_item_numbers(key), labels) >= HEADER_COVERAGE


# ------------------------------------------------------------------ label matching

@dataclass
class LabelMatch:
    row: Optional[str]  # template row id, or None
    heading: bool = False  # the nearest label names a group heading, not a row
    fuzzy: bool = False


@lru_cache(maxsize=65536)
def _fuzzy_row(view: TableView, key: str) -> Optional[str]:
    """The row a label names by fuzzy match, when one beats the runner-up clearly (remembered per
    view and key: fuzzy scoring against every row is slow)."""
    if len(key) < 4:
        return None
    from rapidfuzz import fuzz  # imported when a label first needs it (start-up of a plain check)

    scored = []
    for spec in view.rows:
        names = [label_key(spec.zh)] + list(spec.labels) + list(spec.keywords)
        scored.append((max(fuzz.ratio(key, n) for n in names if n), spec.id))
    scored.sort(reverse=True)
    if not scored:
        return None
    best, runner_up = scored[0][0], (scored[1][0] if len(scored) > 1 else 0)
    if best >= FUZZY_MIN and best - runner_up >= FUZZY_MARGIN:
        return scored[0][1]
    return None


def match_record_label(view: TableView, record: Record) -> LabelMatch:
    """The row a record's labels name, trying the label nearest the values first and wrapped
    labels (two or three pieces joined) next."""
    texts = [t.text for t in record.labels]
    for end in range(len(texts), 0, -1):
        for span in (1, 2, 3):
            if end - span < 0:
                break
            key = label_key("".join(texts[end - span:end]))
            if not key:
                continue
            row_id, strength = row_match(view, key)
            heading_id, heading_strength = heading_match(view, key)
            if row_id and strength >= heading_strength:
                return LabelMatch(row_id)
            if heading_strength:
                return LabelMatch(None, heading=True)
        key = label_key(texts[end - 1])
        fuzzy = _fuzzy_row(view, key)
        if fuzzy:
            return LabelMatch(fuzzy, fuzzy=True)
        if key and end == len(texts):
            # the nearest label is unknown text (a column header, a note): keep looking back
            continue
    return LabelMatch(None)


# ------------------------------------------------------------------ alignment

SKIP_RECORD, SKIP_ROW = -3.0, -2.0


def _record_scores(view: TableView, record: Record, label: LabelMatch) -> tuple[float, float, float]:
    """(completeness, gain if the label names the row, loss if it names another row)."""
    width = view.width
    completeness = 0.0
    count = len(record.values)
    if width:
        if count == width:
            completeness = 1.0
        elif count < width:
            completeness = -0.5 * (width - count)
        else:
            completeness = -sum(1.0 for t in record.values[width:] if t.state != CellState.blank)
    if label.row is None:
        return completeness, 0.0, 0.0
    good, bad = (10.0, -15.0) if record.strong else (3.0, -2.0)
    if label.fuzzy:
        good, bad = good * 0.6, bad * 0.6
    return completeness, good, bad


def _gains(view: TableView, records: list[Record], labels: list[LabelMatch]) -> list[list[float]]:
    """gain[i][j]: what matching record i to the view's row j is worth."""
    row_ids = view.row_ids
    gain = []
    for record, label in zip(records, labels):
        completeness, good, bad = _record_scores(view, record, label)
        gain.append([completeness + (good if label.row == row_id else bad if label.row else 0.0)
                     for row_id in row_ids])
    return gain


def align(view: TableView, records: list[Record], labels: list[LabelMatch]) -> tuple[float, dict[str, int]]:
    """Monotone alignment of records to the template's rows maximising label agreement.

    score[i][j] is the best alignment of the first i records with the first j rows; on a tie a
    match wins over skipping a record, which wins over skipping a row."""
    n, m = len(records), len(view.rows)
    row_ids = view.row_ids
    gain = _gains(view, records, labels)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    back: list[list[Optional[str]]] = [[None] * (m + 1) for _ in range(n + 1)]
    for j in range(1, m + 1):
        score[0][j], back[0][j] = score[0][j - 1] + SKIP_ROW, "row"
    for i in range(1, n + 1):
        above, here, gains, steps = score[i - 1], score[i], gain[i - 1], back[i]
        here[0], steps[0] = above[0] + SKIP_RECORD, "record"
        for j in range(1, m + 1):
            best, step = above[j - 1] + gains[j - 1], "match"
            value = above[j] + SKIP_RECORD
            if value > best:
                best, step = value, "record"
            value = here[j - 1] + SKIP_ROW
            if value > best:
                best, step = value, "row"
            here[j], steps[j] = best, step
    assignment: dict[str, int] = {}
    i, j = n, m
    while i > 0 or j > 0:
        step = back[i][j]
        if step == "match":
            assignment[row_ids[j - 1]] = i - 1
            i, j = i - 1, j - 1
        elif step == "record":
            i -= 1
        else:
            j -= 1
    return score[n][m], assignment


# ------------------------------------------------------------------ tables

@dataclass
class TableResult:
    table: Table
    template: str
    score: float
    confidence: float
    notes: list[ExtractionNote]
    end: int = 0  # the row after the last one read


def _row_relation(view: TableView, group: str, repeat: int = 1):
    """The template's row relation (总计 = its parts), used to split fused cells."""
    return relation_for(view.column_ids, view.column_groups.get(group, ()), "total", repeat)


def _fill_row(table: Table, view: TableView, row_id: str, record: Record, columns: tuple[str, ...],
              notes: list[ExtractionNote]) -> None:
    values = record.values
    if record.note_zh:
        notes.append(ExtractionNote(
            code="row-width", table=view.table,
            message_zh=f"{row_words(view, row_id)}：{record.note_zh}",
            message_en=f"{row_words(view, row_id, 'en')}: {record.note_en}",
            details={"row": row_id, "fused": values[0].cell.raw if values else ""},
            source=(record.labels or record.values)[0].source))
    data = values[: len(columns)]
    extra = [t for t in values[len(columns):] if t.state != CellState.blank]
    table.rows[row_id] = {column: token.cell for column, token in zip(columns, data)}
    for column, token in zip(columns, data):
        digits = overlong_number(token.cell.raw) if token.cell.state == CellState.text else 0
        if digits:
            notes.append(ExtractionNote(
                code="LIMIT-NUMBER-LENGTH", table=view.table,
                message_zh=f"{row_words(view, row_id)}{column_words(view, column)}的数字有 {digits} 位，"
                           f"超过 {MAX_DIGITS} 位，未按数值读取，涉及该单元格的核对无法进行",
                message_en=f"{row_words(view, row_id, 'en')}, {column_words(view, column, 'en')}: a number of {digits} digits (over {MAX_DIGITS}) "
                           f"is not read as a number; relations through that cell are not assessable",
                details={"row": row_id, "column": column, "digits": digits}, source=token.cell.source))
    if len(values) < len(columns) or extra:
        notes.append(ExtractionNote(
            code="row-width",
            table=view.table,
            message_zh=f"{row_words(view, row_id)}有 {len(values)} 个数值，应为 {len(columns)} 个",
            message_en=f"{row_words(view, row_id, 'en')} has {len(values)} values, expected {len(columns)}",
            details={"row": row_id, "found": len(values), "expected": len(columns)},
            source=(record.labels or record.values)[0].source,
        ))


def _table_zh(table: str) -> str:
    return {"table2": "表二", "table3": "表三", "table4": "表四"}.get(table, table)


def _extract_table3(document: Document, keys: list[str], year: Optional[int]) -> tuple[Optional[TableResult], int, int]:
    """Returns the best table-3 reading over both templates, and the region it came from."""
    probe = template_view("table3", DEFAULT_TEMPLATE)
    located = _table3_start(keys, probe)
    if located is None:
        return None, -1, -1
    start, first_row = located
    t4 = _table4_starts(keys, first_row + 1)
    end_heading = _first_end_heading(keys, first_row + 1)
    ends = [x for x in (t4[0] if t4 else None, end_heading) if x is not None]
    end = min(ends) if ends else min(len(keys), start + 800)
    records = [r for r in build_records(document.rows, start, end, probe.width, _row_relation(probe, "applicants"))]
    best: Optional[TableResult] = None
    expected = template_for_year(year)
    for template in template_ids():
        view = template_view("table3", template)
        labels = [match_record_label(view, r) for r in records]
        kept = [(r, lab) for r, lab in zip(records, labels) if r.has_data or lab.row]
        recs, labs = [k[0] for k in kept], [k[1] for k in kept]
        if not recs:
            continue
        score, assignment = align(view, recs, labs)
        table = Table(id="table3", found=bool(assignment), title=view.title_zh,
                      source=document.rows[start].pieces[0].source if document.rows[start].pieces else None)
        notes: list[ExtractionNote] = []
        for row_id, index in assignment.items():
            _fill_row(table, view, row_id, recs[index], view.column_ids, notes)
        labelled = sum(1 for row_id, index in assignment.items() if labs[index].row == row_id)
        coverage = len(assignment) / len(view.rows)
        confidence = round(min(1.0, coverage * (0.5 + 0.5 * labelled / max(1, len(assignment)))), 3)
        result = TableResult(table, template, score, confidence, notes)
        # equal scores: the template the report's year calls for
        if best is None or score > best.score or (score == best.score and template == expected):
            best = result
    return best, start, end


def _table3_start(keys: list[str], probe: TableView) -> Optional[tuple[int, int]]:
    """(the row that opens table 3, the row of its first row label), or None.

    The first row label ("本年新收…") is the anchor: its own short row, not a sentence of the prose
    that names it ("全年本年新收政府信息公开申请553件，上年结转1件。"). The table opens at the section
    heading before it, unless the heading is missing or stands far before the table's header (a
    false heading cut from the report's list of parts): then the header row opens it."""
    headings = _heading_rows(keys, probe.section_keywords)
    new_spec = probe.row("new")
    anchors = [i for i, key in enumerate(keys)
               if len(key) < 200 and "，" not in key and any(k in key for k in new_spec.keywords + new_spec.labels)]
    if not anchors:
        return (headings[-1], headings[-1]) if headings else None
    anchor = anchors[0]
    labels = header_labels(probe)
    # the applicant columns (自然人, 商业企业, …): not 其他 or 总计, which any table prints
    required = tuple(label for column in probe.columns for label in column.labels if len(label) >= 3)
    header = next((i for i in range(max(0, anchor - HEADER_REACH), anchor)
                   if _is_header_row(keys[i], labels, required)), None)
    before = [h for h in headings if h <= anchor]
    if header is not None and (not before or before[-1] < header - HEADER_GAP):
        return header, anchor
    if before:
        return before[-1], anchor
    return max(0, anchor - 30), anchor


def _table4_starts(keys: list[str], after: int, before: Optional[int] = None) -> list[int]:
    """Rows that open table 4: its section title, else the first header row naming its groups
    (a short row, or a row made of table 4's header labels, as when the cells run together)."""
    view = template_view("table4", DEFAULT_TEMPLATE)  # table 4 is printed alike in every template
    headings = _heading_rows(keys, view.section_keywords, after, before)
    headers = _heading_rows(keys, view.header_keywords, after, before)
    labels = header_labels(view)
    structural = next((i for i in range(after, len(keys) if before is None else min(before, len(keys)))
                       if _is_header_row(keys[i], labels, view.header_keywords)), None)
    if structural is not None and (not headers or structural < headers[0]):
        headers = [structural] + headers
    if headers and (not headings or headers[0] < headings[0]):
        # the title is missing or sits inside the table: the group header opens it (the values follow it)
        return [headers[0]] + headings
    return headings


def _extract_table4(document: Document, keys: list[str], after: int, before: Optional[int] = None) -> Optional[TableResult]:
    """Table 4 from the first row that opens it in rows [after, before) and has its data under it (a
    heading-like row cut from the report's list of parts has none)."""
    view = template_view("table4", DEFAULT_TEMPLATE)
    labels = header_labels(view)
    for tried, start in enumerate(_table4_starts(keys, max(after, 0), before)):
        result = _read_table4(document, keys, start, before)
        if result is None:
            continue
        if tried or before is not None:
            # a later candidate, or one before table 3: only with table 4's header printed in the
            # rows read, so that numbers under some other heading never become table 4
            stop = min(result.end, len(keys))
            if not any(_is_header_row(keys[i], labels, view.header_keywords) for i in range(start, stop)):
                continue
        return result
    return None


def _read_table4(document: Document, keys: list[str], start: int, before: Optional[int]) -> Optional[TableResult]:
    view = template_view("table4", DEFAULT_TEMPLATE)
    end_heading = _first_end_heading(keys, start + 1)
    end = end_heading if end_heading is not None else min(len(keys), start + 200)
    if before is not None:
        end = min(end, before)
    records = build_records(document.rows, start, end, 15, _row_relation(view, "parts", repeat=3))
    records = [r for r in records if r.has_data]
    table = Table(id="table4", title=view.title_zh, source=document.rows[start].pieces[0].source)
    notes: list[ExtractionNote] = []
    flat = next((r for r in records if len(r.values) >= 15), None)
    if flat is not None:
        for k, row_id in enumerate(view.row_ids):
            part = Record(flat.labels, flat.values[5 * k: 5 * k + 5], flat.strong, flat.row)
            _fill_row(table, view, row_id, part, view.column_ids, notes)
        confidence = 0.9
    else:
        # a row of its own with fewer values than table 4's five: its digits may be fused ("0 00 0 0")
        per_row = _row_relation(view, "parts")
        for record in records:
            if per_row is not None and 0 < len(record.values) < view.width and record.note_zh is None:
                unfuse_record(record, per_row)
        labels = [match_record_label(view, r) for r in records]
        _, assignment = align(view, records, labels)
        for row_id, index in assignment.items():
            _fill_row(table, view, row_id, records[index], view.column_ids, notes)
        confidence = round(0.8 * len(assignment) / 3, 3)
    table.found = bool(table.rows)
    if not table.found:
        return None
    return TableResult(table, DEFAULT_TEMPLATE, 0.0, confidence, notes, end)


def _table2_template(keys: list[str], start: int, end: int, year: Optional[int]) -> tuple[str, float]:
    """The template whose own column names (those not printed alike in every template) the table's
    rows name most, with the share of such names it took; "unknown" when none stands out."""
    views = {template: template_view("table2", template) for template in template_ids()}
    printed = {template: {(c.id, c.labels, c.keywords) for c in view.columns} for template, view in views.items()}
    everywhere = set.intersection(*printed.values())
    votes = {}
    for template, view in views.items():
        own = [c for c in view.columns if (c.id, c.labels, c.keywords) not in everywhere]
        votes[template] = sum(1 for key in keys[start:end] for c in own if c.match_length(label_key(key)))
    top = max(votes.values())
    tied = [t for t, v in votes.items() if v == top]
    roots = {lineage(t)[-1] for t in tied}
    if top == 0 or len(roots) > 1:
        return "unknown", 0.3
    if len(tied) > 1:  # a template and those derived from it print these columns alike
        expected = template_for_year(year)
        tied = [expected] if expected in tied else sorted(roots)
    shipped_votes = sum(v for t, v in votes.items() if lineage(t)[-1] == t)
    return tied[0], round(top / shipped_votes, 3) if shipped_votes else 0.3


def _extract_table2(document: Document, keys: list[str], before: int, year: Optional[int]) -> Optional[TableResult]:
    probe = template_view("table2", DEFAULT_TEMPLATE)
    limit = before if before > 0 else len(keys)
    headings = _heading_rows(keys, probe.section_keywords, 0, limit)
    if not headings:
        return None
    start = headings[-1]
    end = limit if before > 0 else min(len(keys), start + 200)
    template, confidence = _table2_template(keys, start, end, year)
    # an unrecognised table 2 is read with the first template's layout, the one with the most columns
    view = template_view("table2", template_ids()[0] if template == "unknown" else template)
    table = Table(id="table2", title=view.title_zh, source=document.rows[start].pieces[0].source)
    notes: list[ExtractionNote] = []
    for record in build_records(document.rows, start, end, None):
        if not record.labels or not record.has_data:
            continue
        row_id, _ = row_match(view, label_key(record.labels[-1].text))
        if row_id and row_id in view.layout and row_id not in table.rows:
            _fill_row(table, view, row_id, record, view.layout[row_id], notes)
    table.found = bool(table.rows)
    if not table.found:
        return None
    return TableResult(table, template, 0.0, confidence, notes)


# ------------------------------------------------------------------ report

# Why a statutory table is not assessable, in the order the diagnosis tries them. Each reason
# says what the reader can check by hand; none says the report's numbers are wrong.
_ABSENT_REASONS: dict[str, tuple[str, str]] = {
    "images": ("未找到{name}的数据；文中只有图片（{images}），表格可能以图片形式发布",
               "not found; the text holds only images ({images}): the table may be published as an image"),
    "fused": ("{name}的内容连成一段（单元格粘连，标签与数字之间没有分隔），未能读出表格",
              "its cells run together (labels and numbers without separators); the table was not read"),
    "no-rows": ("找到{name}的标题，但其下没有读出数据行", "heading found but no data rows were read under it"),
    "unmatched": ("{name}标题下读出 {rows} 行数据，但没有一行能对应到国家模板的行（行名不符）",
                  "{rows} data row(s) read under the heading, but none matched a row of the national template"),
    "not-found": ("未找到{name}（没有找到其标题，也没有读出其数据）", "not found (neither its heading nor its data)"),
}
# A label, three digits or more, a label: cells run together ("规章000规范性文件898989"). Not a
# number of prose followed by its unit ("2020年", "154件", "3个").
_GLUED = re.compile(r"[\u4e00-\u9fff]\d{3,}(?=[\u4e00-\u9fff])(?![年月日时号件条个份项次人名万亿元家所])")
FUSED_WINDOW = 160  # characters after a heading keyword searched for the table's column names


def _fused_heading(keys: list[str], table: str, start: int, end: int) -> Optional[int]:
    """A row (too long for a heading) where a section keyword is followed by two or more of the
    table's column names: the heading and its cells run together. A mere mention of the section
    in prose (the report's list of parts) is not followed by column names."""
    views = [template_view(table, template) for template in template_ids()]
    names = {k for view in views for column in view.columns for k in column.keywords + column.labels if len(k) >= 2}
    view = views[-1]
    for index in range(start, min(end, len(keys))):
        key = keys[index]
        for keyword in view.section_keywords:
            at = key.find(keyword)
            while at >= 0:
                window = label_key(key[at + len(keyword): at + len(keyword) + FUSED_WINDOW])
                if sum(1 for name in names if name in window) >= 2:
                    return index
                at = key.find(keyword, at + 1)
    return None


def _diagnose(document: Document, keys: list[str], table: str, start: int, end: int) -> tuple[str, int, Optional[int]]:
    """(reason, data rows read, heading row) for a table that was not read, within rows [start, end)."""
    view = template_view(table, DEFAULT_TEMPLATE)
    start, end = max(start, 0), min(end, len(keys))
    headings = _table4_starts(keys, start) if table == "table4" else _heading_rows(keys, view.section_keywords, start, end)
    headings = [h for h in headings if h < end]
    if not headings:
        fused = _fused_heading(keys, table, start, end)
        return ("fused", 0, fused) if fused is not None else ("not-found", 0, None)
    heading = headings[-1] if table == "table2" else headings[0]  # as the extractors choose
    stop = _first_end_heading(keys, heading + 1)
    stop = min(end, stop if stop is not None else end, heading + 200)
    rows = sum(1 for record in build_records(document.rows, heading, stop, None) if record.has_data)
    glued = sum(len(_GLUED.findall(piece.text)) for row in document.rows[heading:stop] for piece in row.pieces)
    if glued >= 2:  # labels and numbers run together ("规章000规范性文件898989"): the cells are fused
        return "fused", rows, heading
    return ("unmatched" if rows else "no-rows"), rows, heading


def _absent_note(document: Document, keys: list[str], table: str, start: int, end: int) -> ExtractionNote:
    """TABLE-ABSENT: a statutory table that was not found or not read, and why."""
    name = _table_zh(table)
    images = list(document.images)
    reason, rows, heading = _diagnose(document, keys, table, start, end)
    if images and reason in ("not-found", "no-rows"):
        reason = "images"
    zh, en = _ABSENT_REASONS[reason]
    fields = {"name": name, "table": table, "rows": rows}
    zh = zh.format(images="、".join(images[:5]), **fields)
    en = en.format(images=", ".join(images[:5]), **fields)
    pieces = document.rows[heading].pieces if heading is not None else []
    return ExtractionNote(code="table-absent", table=table,
                          message_zh=f"{name}无法核对：{zh}；涉及{name}的勾稽关系均未核对",
                          message_en=f"{table} not assessable: {en}; its relations were not checked",
                          details={"reason": reason, "rows": rows, "images": images[:20],
                                   "heading_found": heading is not None and reason != "fused"},
                          source=pieces[0].source if pieces else None)


def extract(document: Document) -> Report:
    document = unfuse_document(document, template_view("table3", DEFAULT_TEMPLATE).section_keywords, _CUT_KEYWORDS)
    keys = _row_keys(document)
    identity = read_identity(document, keys)
    report = Report(file=document.file, agency=identity.agency, year=identity.year, images=list(document.images),
                    notes=list(document.notes))
    guess = TemplateGuess()

    table3, t3_start, t3_end = _extract_table3(document, keys, identity.year)
    table4 = _extract_table4(document, keys, t3_end if table3 else max(t3_start, 0))
    if table4 is None and table3 and t3_start > 0:
        table4 = _extract_table4(document, keys, 0, t3_start)  # printed before table 3
    table2 = _extract_table2(document, keys, t3_start if table3 else -1, identity.year)

    for result in (table2, table3, table4):
        if result:
            report.tables[result.table.id] = result.table
            report.notes.extend(result.notes)
    if table3:
        guess.table3 = table3.template
        guess.reasons.append(f"table3: {table3.template} (score {table3.score:.0f})")
    if table2:
        guess.table2 = table2.template
    pre_2019 = identity.year is not None and identity.year <= 2018 and table3 is None
    if pre_2019:
        guess.overall, guess.table2, guess.table3 = "pre-2019", "pre-2019", "pre-2019"
        guess.confidence = 0.9 if identity.year_source == "title" else 0.6
        guess.reasons.append(f"report year {identity.year} predates the 2019 template; no table 3 found")
    else:
        known = {t for t in (guess.table2, guess.table3) if t in template_ids()}
        guess.overall = "hybrid" if len(known) == 2 else (known.pop() if known else "unknown")
        parts = [r.confidence for r in (table2, table3, table4) if r]
        guess.confidence = round(sum(parts) / 3, 3) if parts else 0.0
        # Each statutory table not read says so (TABLE-ABSENT), in the region its extractor searched.
        regions = {"table2": (0, t3_start if table3 else len(keys)), "table3": (0, len(keys)),
                   "table4": (t3_end if table3 else max(t3_start, 0), len(keys))}
        for table_id, result in (("table2", table2), ("table3", table3), ("table4", table4)):
            if result is None or not result.table.found:
                report.notes.append(_absent_note(document, keys, table_id, *regions[table_id]))
    report.template = guess
    _confirm_ocr(report)
    return report


def _confirm_ocr(report: Report) -> None:
    """OCR'd cells stay ``uncertain`` unless every relation through them holds (fused.py)."""
    view3 = resolve(report.template, "table3")
    view4 = resolve(report.template, "table4")
    confirm_by_arithmetic(
        report,
        {"table3": {"parts": view3.row_groups.get("outcomes", ()), "total": "total"}},
        {"table3": {"parts": view3.column_groups.get("applicants", ()), "total": "total"},
         "table4": {"parts": view4.column_groups.get("parts", ()), "total": "total"}})


_CUT_KEYWORDS = tuple(k for table in ("table3", "table4") for k in template_view(table, DEFAULT_TEMPLATE).section_keywords) \
    + END_KEYWORDS


def missing_cell() -> Cell:
    return Cell(state=CellState.missing)


__all__ = ["extract", "align", "match_record_label", "LabelSpec"]
