"""The correction memo's content (``auditor memo``): one letter per agency and year, items in three
sections that follow 条例 第四十七条 (需整改 / 建议核实 / 提示).

``build_memos(results, options)`` groups the results by agency and year and returns one ``MemoData``
per group; ``build_memo`` makes one letter of whatever results it is given. Rendering lives in
``markdown.py`` (Jinja2) and ``gongwen.py`` (DOCX after GB/T 9704-2012); ``output.py`` writes files.

One item per cause:
- findings that point at the same correction (locate's suspects of one group) are one item;
- blank cells whose value the relations determine (a blank 总计 whose parts are printed) are one
  item per table listing the values; blank cells read as 0 are one hint per table;
- 需整改 holds only items with a value to put in (locate's best correction, or a determined blank);
  anything without a value, read with doubt or localised ambiguously goes to 建议核实.
No rule code or English id is written into an item's text; ``codes`` keeps them for the appendix.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

from ..catalogue import with_rules
from ..model.findings import AuditResult, Finding, FindingCell, Severity, Status, Suspect
from ..templates import TABLE_IDS, resolve, table_number
from .texts import MemoTemplateError, chinese_date, chinese_number, english_date, texts

__all__ = ["MemoData", "MemoItem", "MemoOptions", "MemoTemplateError", "build_memo", "build_memos"]

DEFAULT_INCLUDE = ("error", "warning", "review")
SECTIONS = ("correct", "verify", "hint")

_OPERATORS = {"==": "＝", "<=": "≤", ">=": "≥", "!=": "≠", "<": "＜", ">": "＞"}
_CELL_REF = re.compile(r"\b(table\d)\.([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\b")
_SUM_REF = re.compile(r"\bsum\(\s*(table\d)\.([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*\)")
_SINGLE_LEFT = re.compile(r"^\s*(table\d)\.([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*==")
_ROW_REF = re.compile(r"\b(table\d)\.([A-Za-z_][A-Za-z0-9_]*)\b")
_TABLE_REF = re.compile(r"\btable\d\b")
_TABLE_WORD = re.compile(r"表[二三四]")


# ------------------------------------------------------------------ the data templates see


class MemoWhere(BaseModel):
    file: str
    table: Optional[str] = None
    table_label: str = ""
    row: Optional[str] = None
    row_label: str = ""
    column: Optional[str] = None
    column_label: str = ""
    page: Optional[int] = None
    line: Optional[int] = None


class MemoItem(BaseModel):
    number: int = 0
    section: str  # correct | verify | hint
    section_label: str = ""  # 需整改 / 建议核实 / 提示 (the appendix's 类别)
    text: str = ""  # the item as the letter prints it (no codes, no ids)
    codes: list[str] = Field(default_factory=list)  # for the reviewer's appendix only
    severity: str
    report: str  # the report's file
    report_number: int = 1
    agency: Optional[str] = None
    where: str
    places: list[MemoWhere] = Field(default_factory=list)
    printed: str = ""
    proposal: str = ""
    proposed_values: list[str] = Field(default_factory=list)  # the numbers the proposal puts in
    relation: str = ""
    reason: str = ""
    problem: str = ""
    check: str = ""
    messages: list[str] = Field(default_factory=list)


class MemoSection(BaseModel):
    key: str
    heading: str  # 一、需整改的问题
    title: str  # 需整改的问题
    entries: list[MemoItem] = Field(default_factory=list)  # not "items": templates read dicts


class MemoReport(BaseModel):
    file: str
    name: str  # the file's name (appendix)
    title: str  # 《…年度报告》
    number: int = 1


class MemoData(BaseModel):
    """Everything a memo template needs; plain data (``model_dump()`` is the template's context)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    lang: str = "zh"
    agency: Optional[str] = None
    year: Optional[int] = None
    title: str
    office: str = ""  # 发文机关 (or its placeholder)
    number: str = ""  # 发文字号 (or its placeholder)
    addressee: str  # 主送机关
    date: str  # 成文日期
    signature: str = ""  # 署名 (the office unless given)
    reports: list[MemoReport] = Field(default_factory=list)
    summary: str
    sections: list[MemoSection] = Field(default_factory=list)
    items: list[MemoItem] = Field(default_factory=list)  # every item of the sections shown, numbered
    closing: str
    attachment: str = ""  # 附件：问题清单 (empty without items)
    attachment_title: str = ""
    labels: dict[str, str] = Field(default_factory=dict)  # every text of the language (texts.py keys)
    counts: dict[str, int] = Field(default_factory=dict)  # correct / verify / hint
    # The findings this letter tells the agency about, for a caller that records them as sent.
    included: list[tuple[AuditResult, Finding]] = Field(default_factory=list, exclude=True)


@dataclass
class MemoOptions:
    """How letters are made. ``keep(result, finding)`` chooses findings (e.g. only confirmed ones);
    ``on_include(result, finding)`` is told of every finding a letter includes."""

    lang: str = "zh"
    include: Iterable[str] = DEFAULT_INCLUDE
    include_hints: bool = False
    today: Optional[_dt.date] = None
    office: str = ""
    number: str = ""
    signature: str = ""
    date: str = ""  # written as given, else today's date in words
    addressee: str = ""  # 主送机关 when not the report's agency
    template_dir: Optional[Path] = None
    rules: Iterable = ()
    keep: Optional[Callable[[AuditResult, Finding], bool]] = None
    on_include: Optional[Callable[[AuditResult, Finding], None]] = None
    extra: dict = field(default_factory=dict)  # reserved for callers' own template values


# ------------------------------------------------------------------ words for cells and relations


def fmt(value) -> str:
    if value is None:
        return "—"
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return str(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


class _Labels:
    """Readable names of cells, rows, columns and groups in one report's template."""

    def __init__(self, result: AuditResult, lang: str, words: Mapping[str, str]):
        self.result = result
        self.lang = lang
        self.text = words

    def view(self, table: str):
        return resolve(self.result.template, table) if table in TABLE_IDS else None

    def table(self, table: str) -> str:
        return table_number(table, self.lang)

    def row(self, table: str, row: str) -> str:
        view = self.view(table)
        spec = view.row(row) if view else None
        if spec is None:
            return self._group(table, row)
        return spec.zh.split(" ")[-1] if self.lang == "zh" else (spec.en or spec.zh)

    def column(self, table: str, column: str) -> str:
        view = self.view(table)
        spec = view.column(column) if view else None
        if spec is None:
            return self._group(table, column)
        return spec.zh if self.lang == "zh" else (spec.en or spec.zh)

    def order(self, table: Optional[str], row: Optional[str], column: Optional[str]) -> tuple:
        """Table order: table, then row and column as the template prints them."""
        if not table or table not in TABLE_IDS:
            return (len(TABLE_IDS), 0, 0)
        view = self.view(table)
        rows = view.row_ids if view else ()
        columns = view.column_ids if view else ()
        return (TABLE_IDS.index(table), rows.index(row) if row in rows else len(rows),
                columns.index(column) if column in columns else len(columns))

    def cell(self, table: str, row: str, column: str) -> str:
        return self.text["cell"].format(table=self.table(table), row=self.row(table, row),
                                        column=self.column(table, column))

    def relation(self, relation: Optional[str]) -> str:
        """``table3.granted.total == sum(table3.granted.applicants)`` in words."""
        if not relation:
            return ""
        text = self.text

        def group_sum(match: re.Match) -> str:
            table, row, column = match.groups()
            view = self.view(table)
            if view and row in view.row_groups:
                return text["group_sum"].format(group=self._group(table, row), column=self.column(table, column))
            if view and column in view.column_groups:
                return text["row_group_sum"].format(group=self._group(table, column), row=self.row(table, row))
            return self.cell(table, row, column)

        out = _SUM_REF.sub(group_sum, relation)
        out = _CELL_REF.sub(lambda m: self.cell(*m.groups()), out)
        integer = re.fullmatch(r"\s*integer\((.*)\)\s*", out)
        if integer:
            out = text["integer"].format(cell=integer.group(1))
        for op, sign in sorted(_OPERATORS.items(), key=lambda kv: -len(kv[0])):
            out = out.replace(f" {op} ", f" {sign} ")
        return out

    def words(self, text: str) -> str:
        """Template ids a message may carry (``table3.granted.natural_person``, ``table3.unable_1``,
        ``table3``) in the letter's words: the agency knows the printed labels, not our ids."""
        text = _CELL_REF.sub(lambda m: self.cell(*m.groups()), text)
        text = _ROW_REF.sub(lambda m: f"{self.table(m.group(1))}“{self.row(m.group(1), m.group(2))}”"
                            + ("行" if self.lang == "zh" else ""), text)
        return _TABLE_REF.sub(lambda m: self.table(m.group(0)), text)

    def _group(self, table: str, name: str) -> str:
        view = self.view(table)
        words = view.display.group_names.get(name) if view else None
        if words is None:
            return name if self.lang == "zh" else name.replace("_", " ")
        return words.zh if self.lang == "zh" else words.en

    def place(self, table: str, row: str, column: str, source=None) -> MemoWhere:
        return MemoWhere(file=self.result.file, table=table, table_label=self.table(table), row=row,
                         row_label=self.row(table, row), column=column, column_label=self.column(table, column),
                         page=source.page if source is not None else None,
                         line=source.line if source is not None else None)

    def page(self, pages: Iterable[Optional[int]]) -> str:
        """（第4页）for a PDF's page; line numbers mean nothing to the agency and stay in ``places``."""
        pages = sorted({p for p in pages if p is not None})
        if not pages:
            return ""
        shown = self.text["list_sep"].join(self.text["page"].format(p) for p in pages[:3])
        return f"（{shown}）" if self.lang == "zh" else f" ({shown})"

    def where(self, places: list[MemoWhere]) -> str:
        cells = [self.cell(p.table, p.row, p.column) for p in places if p.table]
        out = self.text["list_sep"].join(dict.fromkeys(cells)) or self.text["whole"]
        return out + self.page(p.page for p in places)


def _title(finding: Finding, codes: Mapping, lang: str) -> str:
    """The code's title from the catalogue, never read back from a message."""
    problem = codes.get(finding.code) or codes.get(finding.code.upper())
    return problem.title(lang) if problem is not None else (finding.name or "")


def _cell_text(cell: Optional[FindingCell], text: Mapping[str, str]) -> str:
    if cell is None:
        return "—"
    if cell.state == "blank":
        return text["blank"]
    if cell.state == "missing":
        return text["missing"]
    return cell.raw.strip() or fmt(cell.value)


def _own_cells(finding: Finding, result: AuditResult) -> list[FindingCell]:
    return [c for c in finding.cells if not c.file or c.file == result.file]


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    """Findings once each, in order (findings are not hashable: by identity)."""
    seen: dict[int, Finding] = {}
    for finding in findings:
        seen.setdefault(id(finding), finding)
    return list(seen.values())


def _key(cell) -> tuple[str, str, str]:
    return (str(cell.table), str(cell.row), str(cell.column))


# ------------------------------------------------------------------ items of one report


@dataclass
class _Entry:
    section: str
    severity: Severity
    order: tuple
    findings: list[Finding]
    where: str
    places: list[MemoWhere] = field(default_factory=list)
    printed: str = ""
    proposal: str = ""
    proposed_values: list[str] = field(default_factory=list)
    relation: str = ""
    reason: str = ""
    problem: str = ""
    check: str = ""
    template: str = ""  # texts key of the item's sentence


class _Report:
    """The entries of one report's included findings."""

    def __init__(self, result: AuditResult, words: Mapping[str, str], lang: str, codes: Mapping):
        self.result = result
        self.text = words
        self.lang = lang
        self.codes = codes
        self.labels = _Labels(result, lang, words)
        self.entries: list[_Entry] = []
        self.unchecked: list[str] = []  # tables that could not be read

    # -- helpers

    def title(self, finding: Finding) -> str:
        return _title(finding, self.codes, self.lang) or self.labels.relation(finding.relation)

    def rule(self, finding: Finding) -> str:
        title = self.title(finding)
        if finding.reported is not None and finding.computed is not None:
            return self.text["relation"].format(title=title, left=fmt(finding.reported), right=fmt(finding.computed))
        return self.text["relation_title"].format(title=title) if title else ""

    def order(self, places: list[MemoWhere]) -> tuple:
        return min((self.labels.order(p.table, p.row, p.column) for p in places),
                   default=self.labels.order(None, None, None))

    def message(self, finding: Finding) -> str:
        """The finding's message without the rule's title in front (the title states what should hold),
        and with any template id (table3.granted.total, table3) in words."""
        message = self.labels.words(finding.message.rstrip("。. "))
        title = _title(finding, self.codes, self.lang)
        for colon in ("：", ": "):
            if title and message.startswith(title + colon):
                return message[len(title) + len(colon):]
        return message

    # -- building

    def build(self, findings: list[Finding]) -> list[_Entry]:
        # a finding that rests on a figure read with doubt proposes nothing: it is to verify (single)
        blanks = [f for f in findings if f.kind == "table" and f.status == Status.not_filled
                  and not f.rests_on_uncertain]
        suspected = [f for f in findings if f.kind == "table" and f.status == Status.failed and f.suspects]
        grouped = {id(f) for f in blanks + suspected}
        for finding in findings:
            if id(finding) in grouped:
                continue
            self.entries.append(self.single(finding))
        self.suspects(suspected)
        self.blank_cells(blanks)
        return self.entries

    def suspects(self, findings: list[Finding]) -> None:
        """Findings that locate explains: one item per group of relations, proposing the best correction."""
        groups: dict[tuple, list[Finding]] = {}
        for finding in findings:
            groups.setdefault(tuple(sorted({s.group for s in finding.suspects})), []).append(finding)
        text, labels = self.text, self.labels
        for pooled in groups.values():
            suspects: list[Suspect] = list(dict.fromkeys(s for f in pooled for s in f.suspects))
            cells = {_key(c): c for f in pooled for c in _own_cells(f, self.result)}
            best_rank = min(s.rank for s in suspects)
            best = [s for s in suspects if s.rank == best_rank]
            others = [s for s in suspects if s.rank != best_rank]
            places = []
            for suspect in best:
                cell = cells.get(_key(suspect))
                places.append(labels.place(*_key(suspect), cell.source if cell else None))

            def correction(group: list[Suspect]) -> str:
                return text["and"].join(text["suspect"].format(
                    label=labels.cell(*_key(s)), current=fmt(s.current), proposed=fmt(s.proposed)) for s in group)

            def options(ranks: list[list[Suspect]]) -> str:
                return text["or"].join(text["option"].format(n=n, text=correction(group))
                                       for n, group in enumerate(ranks, 1))

            by_rank: dict[int, list[Suspect]] = {}
            for suspect in others:
                by_rank.setdefault(suspect.rank, []).append(suspect)
            doubt = any(s.check_source for s in best) or any(f.rests_on_uncertain for f in pooled)
            sure = all(s.unique or s.best for s in best) and not doubt
            severity = max((f.severity for f in pooled), key=lambda s: s.rank)
            entry = _Entry(section="correct" if sure else "verify", severity=severity, order=self.order(places),
                           findings=pooled, where=labels.where(places), places=places,
                           printed=text["list_sep"].join(_cell_text(cells.get(_key(s)), text) if cells.get(_key(s))
                                                         else fmt(s.current) for s in best),
                           proposed_values=list(dict.fromkeys(fmt(s.proposed) for s in best)),
                           relation="".join(dict.fromkeys(self.rule(f) for f in pooled)))
            if len(best) == 1:
                entry.proposal = text["suspect_here"].format(current=fmt(best[0].current),
                                                             proposed=fmt(best[0].proposed))
            else:
                entry.proposal = correction(best)
            reasons = list(dict.fromkeys(s.reason for s in best if s.reason))
            entry.reason = "".join(text["reason_slip"].format(reason=r) for r in reasons)
            if sure:
                entry.template = "item_correct"
                if others:
                    ranks = list(by_rank.values())
                    entry.reason += text["alternative"].format(
                        alternatives=correction(ranks[0]) if len(ranks) == 1 else options(ranks))
            else:
                entry.template = "item_verify"
                if doubt:
                    entry.problem = text["uncertain_problem"].format(
                        message=text["sep"].join(self.message(f) for f in pooled))
                    entry.check = text["uncertain_check"].format(proposal=correction(best))
                else:
                    entry.problem = entry.relation
                    entry.check = text["alternatives_check"].format(
                        alternatives=options([best, *by_rank.values()]))
            self.entries.append(entry)

    def blank_cells(self, findings: list[Finding]) -> None:
        """Blank cells: those the relations determine are filled with their values (one item per table);
        those read as 0 are a hint (one per table); findings whose blanks cannot be determined are to verify."""
        text, labels = self.text, self.labels
        fills: dict[tuple, tuple[Decimal, FindingCell, list[Finding]]] = {}
        zeros: dict[tuple, tuple[FindingCell, list[Finding]]] = {}
        joint: list[Finding] = []
        for finding in findings:
            blank = [c for c in _own_cells(finding, self.result) if c.state == "blank"]
            single = _SINGLE_LEFT.match(finding.relation or "")
            target = None
            if finding.required is not None and finding.required >= 0:
                left = next((c for c in blank if single and _key(c) == single.groups()), None)
                target = left or (blank[0] if len(blank) == 1 else None)
            if target is None:
                joint.append(finding)
                continue
            if finding.required != 0:
                held = fills.setdefault(_key(target), (finding.required, target, []))
                held[2].append(finding)
            for cell in blank:
                if cell is not target or finding.required == 0:
                    zeros.setdefault(_key(cell), (cell, []))[1].append(finding)
        for finding in joint:
            blank = [c for c in _own_cells(finding, self.result) if c.state == "blank"]
            determined = sum((fills[_key(c)][0] for c in blank if _key(c) in fills), Decimal(0))
            gap = abs(finding.reported - finding.computed) if (
                finding.reported is not None and finding.computed is not None) else None
            if gap is not None and determined == gap and any(_key(c) in fills for c in blank):
                # the determined values close the relation: the other blanks are 0
                for cell in blank:
                    if _key(cell) in fills:
                        fills[_key(cell)][2].append(finding)
                    else:
                        zeros.setdefault(_key(cell), (cell, []))[1].append(finding)
                continue
            places = [labels.place(c.table, c.row, c.column, c.source) for c in blank]
            self.entries.append(_Entry(
                section="verify", severity=finding.severity, order=self.order(places), findings=[finding],
                where=labels.where(places[:1]) if len(places) == 1 else labels.table(blank[0].table) if blank
                else text["whole"],
                places=places, template="item_verify",
                problem=text["joint_problem"].format(
                    cells=text["list_sep"].join(labels.cell(c.table, c.row, c.column) for c in blank),
                    title=self.title(finding), diff=fmt(gap)),
                check=text["joint_check"]))
        for key in fills:
            zeros.pop(key, None)
        self.fill_items(fills)
        self.zero_items(zeros)

    def fill_items(self, fills: dict) -> None:
        text, labels = self.text, self.labels
        by_table: dict[str, list] = {}
        for key, (value, cell, found) in fills.items():
            by_table.setdefault(key[0], []).append((value, cell, found))
        for table, held in by_table.items():
            held.sort(key=lambda h: labels.order(h[1].table, h[1].row, h[1].column))
            places = [labels.place(c.table, c.row, c.column, c.source) for _, c, _ in held]
            found = _unique(f for _, _, fs in held for f in fs)
            values = [fmt(v) for v, _, _ in held]
            if len(held) == 1:
                value, cell, _ = held[0]
                where = text["fill_where_one"].format(cell=labels.cell(cell.table, cell.row, cell.column)) + \
                    labels.page(p.page for p in places)
                problem = text["fill_problem_one"].format(value=fmt(value), title=self.title(found[0]))
            else:
                columns = {c.column for _, c, _ in held}
                if len(columns) == 1:  # one column: name it once, list the rows
                    column = labels.column(table, columns.pop())
                    where = text["fill_where_column"].format(table=labels.table(table), column=column, n=len(held))
                    cells = text["list_sep"].join(text["fill_cell"].format(cell=labels.row(c.table, c.row), value=fmt(v))
                                                  for v, c, _ in held)
                else:
                    where = text["fill_where"].format(table=labels.table(table), n=len(held))
                    cells = self.compact(held)
                where += labels.page(p.page for p in places)
                problem = text["fill_problem"].format(cells=cells)
            self.entries.append(_Entry(
                section="correct", severity=max((f.severity for f in found), key=lambda s: s.rank),
                order=self.order(places), findings=found, where=where, places=places,
                printed=text["fill_printed"], proposal=text["fill_proposal"].format(n=len(held)),
                proposed_values=values, problem=problem, template="item_fill"))

    def compact(self, held: list) -> str:
        """“总计”列：（一）予以公开 272、（二）部分公开 3；… — the cells by column."""
        text, labels = self.text, self.labels
        by_column: dict[str, list] = {}
        for value, cell, _ in held:
            by_column.setdefault(cell.column, []).append((value, cell))
        parts = []
        for column, cells in by_column.items():
            listed = text["list_sep"].join(text["fill_cell"].format(cell=labels.row(c.table, c.row), value=fmt(v))
                                           for v, c in cells)
            head = labels.column(cells[0][1].table, column)
            parts.append(f"“{head}”列{text['colon']}{listed}" if self.lang == "zh"
                         else f"column “{head}”: {listed}")
        return text["sep"].join(parts)

    def zero_items(self, zeros: dict) -> None:
        text, labels = self.text, self.labels
        by_table: dict[str, list] = {}
        for key, (cell, found) in zeros.items():
            by_table.setdefault(key[0], []).append((cell, found))
        for table, held in by_table.items():
            held.sort(key=lambda h: labels.order(h[0].table, h[0].row, h[0].column))
            places = [labels.place(c.table, c.row, c.column, c.source) for c, _ in held]
            rows: dict[str, list[str]] = {}
            for cell, _ in held:
                rows.setdefault(cell.row, []).append(labels.column(cell.table, cell.column))
            listed = text["sep"].join(text["zero_row"].format(row=labels.row(table, row),
                                                              columns=text["list_sep"].join(columns))
                                      for row, columns in rows.items())
            found = _unique(f for _, fs in held for f in fs)
            self.entries.append(_Entry(
                section="hint", severity=Severity.info, order=self.order(places), findings=found,
                where=text["zero_where"].format(table=labels.table(table), n=len(held)), places=places,
                printed=text["fill_printed"], problem=text["zero_problem"].format(cells=listed),
                template="item_hint"))

    def single(self, finding: Finding) -> _Entry:
        """A finding that is its own item: to verify (or, for a table that could not be read, a hint)."""
        text, labels = self.text, self.labels
        cells = _own_cells(finding, self.result)
        source = finding.source
        entry = _Entry(section="verify", severity=finding.severity, order=(len(TABLE_IDS) + 1, 0, 0),
                       findings=[finding], where=text["whole"], template="item_verify",
                       problem=text["cells_problem"].format(message=self.message(finding)),
                       check=text["problem_check"])
        if finding.kind == "narrative":  # the message quotes the text and says what to check
            entry.where = text["narrative_where"] + labels.page([source.page if source else None])
            entry.template = "item_narrative"
            entry.check = "" if ("请" in finding.message or "please" in finding.message.lower()) \
                else text["narrative_check"]
            return entry
        if finding.kind == "extraction":  # the message names the table: no "where" in front
            entry.section, entry.template, entry.check = "hint", "item_narrative", text["extraction_check"]
            found = _TABLE_WORD.search(finding.message_zh or finding.message)
            if found:
                table = TABLE_IDS[["表二", "表三", "表四"].index(found.group())]
                self.unchecked.append(labels.table(table))
                entry.where = labels.table(table)
                entry.order = labels.order(table, None, None)
            return entry
        if finding.kind == "template":
            entry.check = text["template_check"]
            found = _TABLE_WORD.search(finding.message_zh or finding.message)
            if found:
                table = TABLE_IDS[["表二", "表三", "表四"].index(found.group())]
                entry.where, entry.order = labels.table(table), labels.order(table, None, None)
            return entry
        if not cells:
            entry.where += labels.page([source.page if source else None])
            return entry
        if finding.rests_on_uncertain:
            places = [labels.place(c.table, c.row, c.column, c.source) for c in cells[:1]]
            entry.places, entry.where, entry.order = places, labels.where(places), self.order(places)
            entry.problem = text["uncertain_problem"].format(message=self.message(finding))
            entry.check = text["uncertain_check_plain"]
            return entry
        single = _SINGLE_LEFT.match(finding.relation or "")
        by_key = {_key(c): c for c in cells}
        left = by_key.get(single.groups()) if single else None
        places = [labels.place(c.table, c.row, c.column, c.source) for c in ([left] if left else cells[:1])]
        entry.places, entry.where, entry.order = places, labels.where(places), self.order(places)
        if left is not None and finding.computed is not None and finding.status == Status.failed:
            value = fmt(finding.computed)
            entry.printed = _cell_text(left, text)
            entry.proposed_values = [value]
            entry.problem = text["total_problem"].format(current=entry.printed, value=value,
                                                         diff=fmt(finding.difference), title=self.title(finding))
            entry.check = text["total_check"].format(value=value)
            return entry
        entry.check = text["cells_check"].format(
            cells=text["list_sep"].join(labels.cell(c.table, c.row, c.column) for c in cells[:6]))
        return entry


# ------------------------------------------------------------------ letters


def _severities(include: Iterable) -> set[str]:
    return {s.value if isinstance(s, Severity) else Severity(s).value for s in include}


def _report_title(result: AuditResult, text: Mapping[str, str]) -> str:
    year = text["year"].format(year=result.year) if result.year else ""
    return text["report"].format(agency=result.agency or text["agency_unknown"], year=year)


def build_memo(results: Union[AuditResult, Iterable[AuditResult]], options: Optional[MemoOptions] = None,
               **settings) -> MemoData:
    """One letter about ``results`` (callers group by agency: ``build_memos``). ``settings`` are
    ``MemoOptions`` fields, for a caller without an options object (``lang="en"``, ``today=…``)."""
    if isinstance(results, AuditResult):
        results = [results]
    results = list(results)
    options = _options(options, settings)
    lang = options.lang if options.lang in ("zh", "en") else "zh"
    text = texts(lang, options.template_dir)
    wanted = _severities(options.include)
    codes = with_rules(options.rules)

    entries: list[tuple[int, AuditResult, _Entry]] = []
    unchecked: list[str] = []
    for number, result in enumerate(results, 1):
        chosen = [f for f in result.findings if f.severity.value in wanted
                  and (options.keep is None or options.keep(result, f))]
        report = _Report(result, text, lang, codes)
        entries += [(number, result, e) for e in report.build(chosen)]
        unchecked += report.unchecked
    entries.sort(key=lambda t: (SECTIONS.index(t[2].section), -t[2].severity.rank, t[0], t[2].order))

    shown = [t for t in entries if t[2].section != "hint" or options.include_hints]
    sections: list[MemoSection] = []
    items: list[MemoItem] = []
    included: list[tuple[AuditResult, Finding]] = []
    seen: set[tuple[int, int]] = set()
    for key in SECTIONS:
        group = [t for t in shown if t[2].section == key]
        if not group:
            continue
        title = text[f"section_{key}"]
        numeral = chinese_number(len(sections) + 1) if lang == "zh" else str(len(sections) + 1)
        section = MemoSection(key=key, title=title, heading=text["section_number"].format(number=numeral) + title)
        for number, result, entry in group:
            item = _item(entry, len(items) + 1, number, result, text, text[f"kind_{key}"], len(results))
            section.entries.append(item)
            items.append(item)
            for finding in entry.findings:
                if (id(result), id(finding)) not in seen:
                    seen.add((id(result), id(finding)))
                    included.append((result, finding))
        sections.append(section)
    if options.on_include is not None:
        for result, finding in included:
            options.on_include(result, finding)

    counts = {key: sum(1 for t in entries if t[2].section == key) for key in SECTIONS}
    first = results[0] if results else AuditResult(file="")
    agency = first.agency
    year = first.year
    year_text = text["year"].format(year=year) if year else ""
    titles = list(dict.fromkeys(_report_title(r, text) for r in results))
    if len(results) > 1:
        listed = text["list_sep"].join(
            f"{title}（{text['report_prefix'].format(n=n)}）" if lang == "zh" else f"{title} ({text['report_prefix'].format(n=n)})"
            for n, title in enumerate((_report_title(r, text) for r in results), 1))
    else:  # "贵单位" names the agency already
        listed = text["report_own"].format(year=year_text) if agency else text["list_sep"].join(titles)
    told = [key for key in SECTIONS if counts[key] and (key != "hint" or options.include_hints)]
    unchecked_text = text["unchecked"].format(tables=text["list_sep"].join(dict.fromkeys(unchecked))) \
        if unchecked else ""
    if told:
        parts = [text[f"count_{key}"].format(n=counts[key]) for key in told]
        said = text["list_sep"].join(parts[:-1]) + text["count_last"] + parts[-1] if len(parts) > 1 else parts[0]
        summary = text["summary"].format(reports=listed, unchecked=unchecked_text, counts=said)
    else:
        summary = text["summary_none"].format(reports=listed, unchecked=unchecked_text)
    summary = summary.strip()
    today = options.today or _dt.date.today()
    office = options.office or text["office_placeholder"]
    title_key = "title_one" if len(titles) == 1 and len(results) <= 1 else "title_many"
    return MemoData(
        lang=lang, agency=agency, year=year,
        title=text[title_key].format(agency=agency or text["agency_unknown"], year=year_text),
        office=office, number=options.number or text["number_placeholder"],
        addressee=options.addressee or agency or text["agency_unknown"],
        date=options.date or (chinese_date(today) if lang == "zh" else english_date(today)),
        signature=options.signature or office,
        reports=[MemoReport(file=r.file, name=Path(r.file).name, title=_report_title(r, text), number=n)
                 for n, r in enumerate(results, 1)],
        summary=summary, sections=sections, items=items,
        closing=text["closing"].format(
            asks=text["closing_and"].join(text[f"closing_{s.key}"] for s in sections),
            answer=text["closing_answer"] if (counts["correct"] or counts["verify"]) else "").strip()
        if items else text["closing_none"],
        attachment=text["attachment_line"].format(title=text["attachment_title"]) if items else "",
        attachment_title=text["attachment_title"] if items else "",
        labels=dict(text), counts=counts, included=included)


def _item(entry: _Entry, number: int, report_number: int, result: AuditResult, text: Mapping[str, str],
          section_label: str, reports: int) -> MemoItem:
    where = entry.where
    if reports > 1:
        where = text["report_prefix"].format(n=report_number) + text["colon"] + where
    sentence = text[entry.template].format(where=where, printed=entry.printed, proposal=entry.proposal,
                                           relation=entry.relation, reason=entry.reason, problem=entry.problem,
                                           check=entry.check)
    sentence = sentence.strip()
    sentence = sentence[:1].upper() + sentence[1:]  # English: a sentence from a message starts lower-case
    return MemoItem(
        number=number, section=entry.section, section_label=section_label, text=sentence,
        codes=list(dict.fromkeys(f.code for f in entry.findings)),
        severity=entry.severity.value, report=result.file, report_number=report_number, agency=result.agency,
        where=where, places=entry.places, printed=entry.printed, proposal=entry.proposal,
        proposed_values=entry.proposed_values, relation=entry.relation, reason=entry.reason,
        problem=entry.problem, check=entry.check, messages=[f.message for f in entry.findings])


def _options(options: Optional[MemoOptions], settings: dict) -> MemoOptions:
    options = options or MemoOptions()
    if "sender" in settings:  # the earlier name of the signature
        settings["signature"] = settings.pop("sender")
    if settings:
        from dataclasses import replace

        options = replace(options, **settings)
    return options


def letter_key(result: AuditResult) -> tuple[str, Optional[int]]:
    """Which letter a report belongs to: its agency (the file when unknown) and year."""
    return (result.agency or Path(result.file).name, result.year)


def build_memos(results: Iterable[AuditResult], options: Optional[MemoOptions] = None,
                **settings) -> list[MemoData]:
    """One letter per agency and year, in the order the agencies first appear."""
    groups: dict[tuple, list[AuditResult]] = {}
    for result in results:
        groups.setdefault(letter_key(result), []).append(result)
    options = _options(options, settings)
    return [build_memo(group, options) for group in groups.values()]
