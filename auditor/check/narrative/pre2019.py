"""Reports before 2019: the old 统计表 and its sums.

Before the 2019 national template, many reports end with a 统计表 (after 国办发〔2014〕32号 and the
provinces' own forms): rows of 指标名称 · 计量单位 · 本年度 [· 历年累计], grouped by item numbers —
"（一）收到申请数 / 1.当面申请数 / 2.传真申请数 …" or "受理依申请公开信息总数 / 其中：1.当面申请数 …".
This module reads such a table from any layout (cells, one cell per line, or flattened into one line
of crawled text with numbers fused to the next item number: "2069121062.政府公报公开数") and checks
that a parent equals the sum of its numbered children, or is at least that sum when the children
follow "其中" (they may be a partial list). Old forms were free-form and channels may overlap, so a
failing sum is a warning (``PRE-TABLE-SUM``), never an error.

When two value columns (本年度, 历年累计) are printed without a separator ("206912106"), every split
of the digits is tried: a sum holds when some split of its numbers satisfies it, and the finding of
one that does not says the numbers were fused.

Narrative "其中" lists of pre-2019 reports are checked by claims.py/check.py (code ``PRE-LIST-SUM``).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from ...policy import RunConfig
from ...model.findings import Finding, Severity, Status
from ...model.report import Document, Report, Source
from .claims import fold

CODE = "PRE-TABLE-SUM"
MARKER = re.compile(r"(?:指标名称|统计指标|统计项目)[|\s]*(?:计量单位|单位)")
HEADER_WORD = re.compile(r"(?:\d{4}年度?|本年度|本年|上年度|上年|历年累计|累计数?|统计数|数量|数值)")
UNITS = ("人次", "万元", "条", "件", "人", "个", "元", "次", "项", "份", "篇", "期", "场")
_ENUMERATOR = re.compile(r"^(?:([一二三四五六七八九十]+)[、.]|\(([一二三四五六七八九十]+)\)|\((\d+)\))")
_TOKEN = re.compile(r"(\d+(?:\.\d+)?(?:[|\s]+\d+(?:\.\d+)?)*)|([^\d]+)")
MAX_SPLITS = 20000


@dataclass
class Entry:
    label: str  # folded, without its item number and 其中
    unit: str
    values: list[Decimal] = field(default_factory=list)  # read with separators
    fused: Optional[str] = None  # digits of several columns printed together
    style: Optional[str] = None  # "一、" | "（一）" | "1." | "（1）" | None
    number: Optional[int] = None
    qizhong: bool = False
    source: Optional[Source] = None

    def options(self, columns: int) -> list[tuple[Decimal, ...]]:
        """The values this entry may have: one tuple when read with separators, every split of fused digits otherwise."""
        if self.fused is None:
            return [tuple(self.values)]
        return [tuple(Decimal(p) for p in parts) for parts in _splits(self.fused, columns)]


def _splits(digits: str, columns: int) -> list[tuple[str, ...]]:
    if columns <= 1:
        return [(digits,)]
    found = []
    for cut in range(1, len(digits)):
        head, tail = digits[:cut], digits[cut:]
        if len(head) > 1 and head.startswith("0"):
            continue
        for rest in _splits(tail, columns - 1):
            if len(rest[0]) > 1 and rest[0].startswith("0"):
                continue
            found.append((head,) + rest)
    return found


_RANKS = {"一、": 1, "（一）": 2, "1.": 3, "（1）": 4}


@dataclass
class OldTable:
    columns: int
    entries: list[Entry]
    source: Optional[Source]
    groups: list[tuple[Entry, list[Entry], bool]] = field(default_factory=list)  # parent, children, 其中


def _region(document: Document) -> Optional[tuple[str, Source]]:
    """The text of the 统计表, cells separated by "|", from its header to the end of the table
    (the first prose line after it)."""
    texts, starts, offset = [], [], 0
    for row in document.rows:
        text = "|".join(fold(p.text) for p in row.pieces)
        texts.append(text)
        starts.append(offset)
        offset += len(text) + 1
    full = "|".join(texts)
    match = MARKER.search(full)
    if not match:
        return None
    first = max(i for i, s in enumerate(starts) if s <= match.start())
    parts = [full[match.start():starts[first] + len(texts[first])]]
    for index in range(first + 1, len(texts)):
        row = document.rows[index]
        if row.kind == "line" and len(texts[index]) > 60 and "。" in texts[index]:
            break
        parts.append(texts[index])
    row = document.rows[first]
    return "|".join(parts), row.pieces[0].source if row.pieces else None


def _clean(text: str) -> str:
    return text.replace("|", "").replace(" ", "")


def read_old_table(document: Document) -> Optional[OldTable]:
    """The old 统计表 of a document, or None when it has none."""
    found = _region(document)
    if found is None:
        return None
    region, source = found
    marker = MARKER.match(region)
    position = marker.end() if marker else 0
    columns = 0
    while True:  # the value columns' headers: 2018年度 · 历年累计
        gap = re.match(r"[|\s]*", region[position:]).end()
        header = HEADER_WORD.match(region, position + gap)
        if not header:
            break
        columns += 1
        position = header.end()
    columns = max(columns, 1)
    tokens = [(m.group(1), m.group(2)) for m in _TOKEN.finditer(region, position)]
    entries: list[Entry] = []
    pending_qizhong = False
    pending_number: Optional[int] = None
    expected = 1
    for index, (digits, words) in enumerate(tokens):
        if words is not None:
            text = _clean(words)
            qizhong = text.startswith("其中")
            if qizhong:
                text = text[2:].lstrip(":：")
                pending_qizhong = True
            style, number = None, None
            if pending_number is not None and text[:1] in ".、．":
                style, number, text = "1.", pending_number, text[1:]
                pending_number = None
            else:
                enumerator = _ENUMERATOR.match(text)
                if enumerator:
                    style = "一、" if enumerator.group(1) else ("（一）" if enumerator.group(2) else "（1）")
                    text = text[enumerator.end():]
            unit = next((u for u in UNITS if text.endswith(u)), None)
            if unit is None or len(text) <= len(unit):
                if style == "1.":  # an item number whose label runs on: keep it for the label
                    pending_number = number
                continue
            entry = Entry(label=text[: -len(unit)], unit=unit, style=style, number=number,
                          qizhong=pending_qizhong, source=source)
            pending_qizhong = False
            entries.append(entry)
            continue
        # a run of digits: this entry's values, and perhaps the next item's number
        following = tokens[index + 1][1] if index + 1 < len(tokens) else None
        numbered_next = following is not None and _clean(following)[:1] in ".、．" and \
            len(_clean(following)) > 1 and not _clean(following)[1:2].isdigit()
        numbers_here = re.split(r"[|\s]+", digits.strip("| "))
        if numbered_next:
            if entries and entries[-1].style == "1." and entries[-1].number is not None:
                expected = entries[-1].number + 1
            else:
                expected = 1
            tail = numbers_here[-1]
            if len(numbers_here) > 1 and tail == str(expected):
                numbers_here = numbers_here[:-1]
                pending_number = expected
            elif tail.endswith(str(expected)) and len(tail) > len(str(expected)):
                numbers_here[-1] = tail[: -len(str(expected))]
                pending_number = expected
            elif len(numbers_here) == 1 and (not entries or entries[-1].values or entries[-1].fused):
                pending_number = int(tail) if tail.isdigit() else None
                continue
        if not entries or entries[-1].values or entries[-1].fused is not None:
            continue
        entry = entries[-1]
        if len(numbers_here) == 1 and columns > 1 and "." not in numbers_here[0]:
            entry.fused = numbers_here[0]
            if len(entry.fused) < columns:
                entry.fused = None
                entry.values = [Decimal(numbers_here[0])]
        else:
            entry.values = [Decimal(n) for n in numbers_here if n]
    if len([e for e in entries if e.values or e.fused]) < 2:
        return None
    table = OldTable(columns, entries, source)
    table.groups = _groups(entries)
    return table


def _groups(entries: list[Entry]) -> list[tuple[Entry, list[Entry], bool]]:
    """(parent, children, introduced by 其中) for every group of the table."""
    groups: list[tuple[Entry, list[Entry], bool]] = []
    stack: list[tuple[Entry, list[Entry], bool, Optional[str]]] = []
    previous: Optional[Entry] = None
    for entry in entries:
        if entry.qizhong and previous is not None:
            stack.append((previous, [entry], True, entry.style))
            groups.append((previous, stack[-1][1], True))
            previous = entry
            continue
        placed = False
        while stack:
            parent, children, qizhong, style = stack[-1]
            if style is None:  # "其中：涉及国家秘密 / 涉及商业秘密 …" goes on under a numbered parent only
                same = entry.style is None and parent.style is not None
            else:
                same = entry.style == style and (entry.number is None or children[-1].number is None
                                                 or entry.number == children[-1].number + 1)
            if same:
                children.append(entry)
                placed = True
                break
            stack.pop()
        if not placed and previous is not None and entry.style is not None and entry.number in (1, None) \
                and (previous.style is None or _RANKS.get(previous.style, 0) < _RANKS.get(entry.style, 0)) \
                and entry.style in ("1.", "（1）"):
            stack.append((previous, [entry], False, entry.style))
            groups.append((previous, stack[-1][1], False))
        previous = entry
    return groups


def _holds(parent: tuple[Decimal, ...], children: list[tuple[Decimal, ...]], qizhong: bool) -> bool:
    for column, value in enumerate(parent):
        parts = [c[column] for c in children if column < len(c)]
        total = sum(parts, Decimal(0))
        if (total > value) if qizhong else (total != value):
            return False
    return True


def check_old_table(document: Document, report: Report, config: RunConfig) -> tuple[list[Finding], int]:
    """Findings for the old 统计表's sums, and how many sums were checked."""
    table = read_old_table(document)
    if table is None:
        return [], 0
    findings: list[Finding] = []
    checked = 0
    for parent, children, qizhong in table.groups:
        members = [c for c in children if c.values or c.fused]
        if not (parent.values or parent.fused) or not members:
            continue
        if len({len(o) for e in [parent] + members for o in e.options(table.columns)}) > 1:
            continue  # rows printed with different numbers of values: not comparable
        choices = [parent.options(table.columns)] + [m.options(table.columns) for m in members]
        size = 1
        for options in choices:
            size *= max(1, len(options))
        if size > MAX_SPLITS or any(not options for options in choices):
            continue
        checked += 1
        if any(_holds(combo[0], list(combo[1:]), qizhong) for combo in itertools.product(*choices)):
            continue
        fused = any(e.fused for e in [parent] + members)
        shown = lambda e: e.fused if e.fused else "/".join(str(v) for v in e.values)  # noqa: E731
        names = "、".join(f"{m.label} {shown(m)}" for m in members)
        relation = "≥" if qizhong else "="
        zh = (f"旧式统计表“{parent.label}”（{shown(parent)}{parent.unit}）{'不小于' if qizhong else '应等于'}其下各项之和，"
              f"但各项为：{names}" + ("（数字粘连，已试过各种拆分）" if fused else ""))
        en = (f"old statistics table: \"{parent.label}\" ({shown(parent)}) should be {relation} the sum of its items "
              f"({', '.join(shown(m) for m in members)})" + (" (digits fused; every split tried)" if fused else ""))
        if not config.enabled(CODE):
            continue
        findings.append(Finding(
            code=CODE, name="pre2019.table_sum", severity=Severity.warning,
            status=Status.failed, kind="table", message=zh if config.lang == "zh" else en,
            message_zh=zh, message_en=en, relation=f"{parent.label} {relation} " + " + ".join(m.label for m in members),
            file=report.file, source=parent.source))
    return findings, checked


