"""The correction memo to the reporting agency (``auditor memo``): Markdown through Jinja2, DOCX through
python-docx.

``build_memo`` turns audit results into plain data (title, addressee, date, numbered items, closing);
``render_markdown`` fills a Jinja2 template (the shipped ``memo_templates/memo.md.j2`` or the user's
own, ``--template``); ``render_docx`` writes a Word file with a real table
(序号/位置/报告所列/勾稽关系要求/建议更正/理由), optionally on top of the user's own .docx (letterhead,
styles). ``write_memo`` picks by the output file's suffix.

One item per problem: findings that point at the same correction (the same cells with the same
proposed values — one slipped digit breaks a row total and a column total) become one item naming
every relation it breaks. The proposal comes from the findings' suspects (error localisation) when
there are any; otherwise from the value a blank cell needs (``required``, not-filled findings) or,
for a relation ``one cell == the rest``, from the value the rest compute — worded as conditional,
since without localisation the total and its parts are equally suspect.
"""
from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping, Optional, Union

from pydantic import BaseModel, Field

from ..catalogue import with_rules
from ..model.findings import AuditResult, Finding, FindingCell, Severity, Status, Suspect
from ..templates import TABLE_IDS, resolve, table_number

DEFAULT_TEMPLATE = "memo.md.j2"
DEFAULT_INCLUDE = ("error", "warning")

_OPERATORS = {"==": "＝", "<=": "≤", ">=": "≥", "!=": "≠", "<": "＜", ">": "＞"}
_CELL_REF = re.compile(r"\b(table\d)\.([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\b")
_SUM_REF = re.compile(r"\bsum\(\s*(table\d)\.([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*\)")
_SINGLE_LEFT = re.compile(r"^\s*(table\d)\.([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*==")

_TEXT = {
    "zh": {
        "title_one": "关于《{agency}{year}政府信息公开工作年度报告》有关数据的更正建议",
        "title_many": "关于政府信息公开工作年度报告有关数据的更正建议",
        "addressee_unknown": "（报送单位）",
        "intro": "经对贵单位报送的{docs}中表二至表四的勾稽关系逐项核对，发现以下{n}处问题，现将问题及更正建议告知如下：",
        "intro_none": "经对贵单位报送的{docs}中表二至表四的勾稽关系逐项核对，未发现需要更正的问题。",
        "doc": "《{agency}{year}政府信息公开工作年度报告》（{file}）",
        "closing": "请贵单位对上述问题逐项核实：确属填报错误的，请按更正建议修改年度报告并重新发布；"
                   "数据无误的，请说明理由。核实和更正情况请及时反馈。",
        "closing_none": "特此告知。",
        "labels": {"number": "序号", "where": "位置", "printed": "报告所列", "required": "勾稽关系要求",
                   "proposal": "建议更正", "reason": "理由", "items": "问题及更正建议",
                   "colon": "："},
        "blank": "空白（未填写）", "missing": "未读到", "is": "：", "line": "第{}行", "page": "第{}页",
        "sides": "按所列数据{blank}，左边合计 {left}，右边合计 {right}，相差 {diff}",
        "must_equal": "即{label}应为 {value}",
        "computed": "按其余各项计算为 {value}",
        "suspect": "将{label}由 {current} 更正为 {proposed}",
        "fill": "在{label}填写 {value}",
        "fill_many": "补填{labels}，使上述关系成立",
        "if_parts": "如各分项数据无误，将{label}由 {current} 更正为 {value}；否则请核对各分项数据",
        "check": "请核对{labels}的数据并予更正",
        "check_problem": "请核实并补正",
        "reason_unique": "{reason}；按勾稽关系可唯一确定",
        "reason_not_unique": "{reason}；为可能的更正之一，请以原始台账为准",
        "reason_fill": "该单元格空白；按勾稽关系，其余各项合计要求此处为 {value}",
        "reason_total": "所列 {current} 与其余各项计算所得 {value} 不一致，相差 {diff}",
        "reason_generic": "所列数据不满足勾稽关系：{message}",
        "file_where": "全文",
        "and": "，并", "or": "；或者", "alternatives": "以下更正任选其一，请核实后确定：", "no_slip": "按勾稽关系推算",
        "problem_required": "年度报告应完整可读，并按国家统一模板列明表二至表四的数据",
        "sep": "；", "list_sep": "、",
        "cell": "{table}“{row}”行“{column}”列",
        "group_sum": "{group}“{column}”列之和", "row_group_sum": "“{row}”行{group}之和",
        "integer": "{cell}为整数",
    },
    "en": {
        "title_one": "Corrections proposed to the {year} government information-disclosure annual report of {agency}",
        "title_many": "Corrections proposed to government information-disclosure annual reports",
        "addressee_unknown": "(reporting agency)",
        "intro": "We checked the relations of tables 2 to 4 in {docs} and found the following {n} problem(s):",
        "intro_none": "We checked the relations of tables 2 to 4 in {docs} and found nothing to correct.",
        "doc": "the {year} annual report of {agency} ({file})",
        "closing": "Please check each item; correct and republish the report where the figures are wrong, "
                   "or explain why they are right, and let us know.",
        "closing_none": "For your information.",
        "labels": {"number": "No.", "where": "where", "printed": "the report prints", "required": "the relations require",
                   "proposal": "proposed correction", "reason": "reason",
                   "items": "Problems and proposed corrections", "colon": ": "},
        "blank": "blank", "missing": "not found", "is": ": ", "line": "line {}", "page": "p. {}",
        "sides": "as printed{blank}: left {left}, right {right}, difference {diff}",
        "must_equal": "so {label} should be {value}",
        "computed": "the other cells compute {value}",
        "suspect": "change {label} from {current} to {proposed}",
        "fill": "fill in {value} at {label}",
        "fill_many": "fill in {labels} so that the relation holds",
        "if_parts": "if the parts are right, change {label} from {current} to {value}; otherwise check the parts",
        "check": "check and correct {labels}",
        "check_problem": "please check and complete",
        "reason_unique": "{reason}; the relations determine it uniquely",
        "reason_not_unique": "{reason}; one possible correction, please check the records",
        "reason_fill": "the cell is blank; the other cells require {value} here",
        "reason_total": "printed {current}, the other cells compute {value}, difference {diff}",
        "reason_generic": "the figures break the relation: {message}",
        "file_where": "whole report",
        "and": ", and ", "or": "; or ", "alternatives": "one of these corrections (please check which): ",
        "no_slip": "derived from the relations",
        "problem_required": "the report must be complete, readable and print tables 2 to 4 of the national template",
        "sep": "; ", "list_sep": ", ",
        "cell": "{table} row “{row}”, column “{column}”",
        "group_sum": "sum of {group} in column “{column}”", "row_group_sum": "sum of {group} in row “{row}”",
        "integer": "{cell} is a whole number",
    },
}


class MemoTemplateError(Exception):
    """A memo template that cannot be read or rendered (the CLI reports it as a usage error)."""


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
    number: int
    codes: list[str]
    severity: str
    report: str  # the report's file
    agency: Optional[str] = None
    where: str  # readable: 表三“（一）予以公开”行“自然人”列（第239行）
    places: list[MemoWhere] = Field(default_factory=list)
    printed: str
    required: str
    proposal: str
    proposed_values: list[str] = Field(default_factory=list)  # the numbers the proposal puts in
    reason: str
    messages: list[str] = Field(default_factory=list)


class MemoData(BaseModel):
    """Everything a memo template needs; plain data (``model_dump()`` is the template's context)."""

    lang: str = "zh"
    title: str
    addressee: str
    date: str
    sender: str = ""
    reports: list[str] = Field(default_factory=list)
    intro: str
    items: list[MemoItem] = Field(default_factory=list)
    closing: str
    labels: dict[str, str] = Field(default_factory=dict)


# ------------------------------------------------------------------ helpers


def _fmt(value) -> str:
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

    def __init__(self, result: AuditResult, lang: str, codes: Mapping):
        self.result = result
        self.lang = lang
        self.codes = codes  # code -> catalogue entry (titles)
        self.text = _TEXT[lang]

    def view(self, table: str):
        return resolve(self.result.template, table) if table in TABLE_IDS else None

    def table(self, table: str) -> str:
        return table_number(table, self.lang)

    def row(self, table: str, row: str) -> str:
        view = self.view(table)
        spec = view.row(row) if view else None
        if spec is None:
            return self._group(table, row)
        if self.lang == "zh":
            return spec.zh.split(" ")[-1]
        return spec.en or spec.zh

    def column(self, table: str, column: str) -> str:
        view = self.view(table)
        spec = view.column(column) if view else None
        if spec is None:
            return self._group(table, column)
        return spec.zh if self.lang == "zh" else (spec.en or spec.zh)

    def is_row_group(self, table: str, name: str) -> bool:
        view = self.view(table)
        return bool(view and name in view.row_groups)

    def is_column_group(self, table: str, name: str) -> bool:
        view = self.view(table)
        return bool(view and name in view.column_groups)

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
            if self.is_row_group(table, row):
                return text["group_sum"].format(group=self._group(table, row), column=self.column(table, column))
            if self.is_column_group(table, column):
                return text["row_group_sum"].format(group=self._group(table, column), row=self.row(table, row))
            return f"sum({self.cell(table, row, column)})"

        out = _SUM_REF.sub(group_sum, relation)
        out = _CELL_REF.sub(lambda m: self.cell(*m.groups()), out)
        integer = re.fullmatch(r"\s*integer\((.*)\)\s*", out)
        if integer:
            out = text["integer"].format(cell=integer.group(1))
        for op, sign in sorted(_OPERATORS.items(), key=lambda kv: -len(kv[0])):
            out = out.replace(f" {op} ", f" {sign} ")
        return out

    def _group(self, table: str, name: str) -> str:
        """A group of rows or columns in words, from the table's template file (display.group_names)."""
        view = self.view(table)
        text = view.display.group_names.get(name) if view else None
        if text is None:
            return name if self.lang == "zh" else name.replace("_", " ")
        return text.zh if self.lang == "zh" else text.en

    def place(self, table: str, row: str, column: str, source=None) -> MemoWhere:
        return MemoWhere(file=self.result.file, table=table, table_label=self.table(table), row=row,
                         row_label=self.row(table, row), column=column, column_label=self.column(table, column),
                         page=source.page if source is not None else None,
                         line=source.line if source is not None else None)

    def where(self, place: MemoWhere) -> str:
        text = self.text
        out = self.cell(place.table, place.row, place.column) if place.table else text["file_where"].format(file=place.file)
        if place.page is not None:
            out += f"（{text['page'].format(place.page)}）" if self.lang == "zh" else f" ({text['page'].format(place.page)})"
        elif place.line is not None:
            out += f"（{text['line'].format(place.line)}）" if self.lang == "zh" else f" ({text['line'].format(place.line)})"
        return out


def _title(finding: Finding, codes: Mapping, lang: str = "zh") -> str:
    """The code's title from the catalogue (rules and built-in codes alike), never read back from a message."""
    problem = codes.get(finding.code) or codes.get(finding.code.upper())
    return problem.title(lang) if problem is not None else (finding.name or finding.code)


def _cell_text(cell: FindingCell, text: dict) -> str:
    if cell.state == "blank":
        return text["blank"]
    if cell.state == "missing":
        return text["missing"]
    return cell.raw.strip() or _fmt(cell.value)


def _own_cells(finding: Finding, result: AuditResult) -> list[FindingCell]:
    return [c for c in finding.cells if not c.file or c.file == result.file]


class _Draft:
    """One finding's proposal before findings that propose the same correction are merged."""

    def __init__(self, finding: Finding, result: AuditResult, labels: _Labels):
        self.finding = finding
        self.result = result
        text = labels.text
        self.key: tuple = ("finding", id(finding))
        self.places: list[MemoWhere] = []
        self.proposed_values: list[str] = []
        cells = _own_cells(finding, result)
        by_key = {(c.table, c.row, c.column): c for c in cells}
        title = _title(finding, labels.codes, labels.lang)
        relation = labels.relation(finding.relation)
        self.required = f"{title}：{relation}" if relation else title
        if labels.lang != "zh":
            self.required = f"{title}: {relation}" if relation else title
        sides = ""
        if finding.reported is not None and finding.computed is not None:
            blank_note = (("（空白按 0 计）" if labels.lang == "zh" else " (blanks as 0)")
                          if finding.rests_on_blank or any(c.state == "blank" for c in cells) else "")
            sides = text["sides"].format(blank=blank_note, left=_fmt(finding.reported), right=_fmt(finding.computed),
                                         diff=_fmt(finding.difference if finding.difference is not None
                                                   else finding.reported - finding.computed))
        blanks = [c for c in cells if c.state == "blank"]
        single = _SINGLE_LEFT.match(finding.relation or "")
        left = by_key.get(single.groups()) if single else None
        required = finding.required if finding.required is not None and finding.required >= 0 else None

        self.suspects: list[Suspect] = list(finding.suspects)
        self.cells_by_key = by_key
        self.sides = sides
        if self.suspects:
            groups = sorted({str(x.group) for x in self.suspects})
            if groups:  # locate's group: every finding it explains becomes one item
                self.key = ("group", result.file, tuple(groups))
            else:
                self.key = ("suspects", result.file, tuple(sorted(
                    (str(x.table), str(x.row), str(x.column), _fmt(x.proposed))
                    for x in self.suspects)))
            self.apply_suspects(labels)
        elif finding.status == Status.not_filled and blanks:
            self.places = [labels.place(c.table, c.row, c.column, c.source) for c in blanks]
            self.printed = text["sep"].join(f"{labels.cell(c.table, c.row, c.column)}{text['is']}{text['blank']}"
                                            for c in blanks)
            if len(blanks) == 1 and required is not None:
                cell = blanks[0]
                value = _fmt(required)
                self.proposed_values.append(value)
                self.proposal = text["fill"].format(label=labels.cell(cell.table, cell.row, cell.column), value=value)
                self.reason = text["reason_fill"].format(value=value)
                self.key = ("fill", result.file, cell.table, cell.row, cell.column, value)
            else:
                self.proposal = text["fill_many"].format(
                    labels=text["list_sep"].join(labels.cell(c.table, c.row, c.column) for c in blanks))
                self.reason = text["reason_generic"].format(message=finding.message)
            if sides:
                self.printed += text["sep"] + sides
        elif left is not None and finding.computed is not None and finding.status == Status.failed:
            value = _fmt(finding.computed)
            current = _cell_text(left, text)
            label = labels.cell(left.table, left.row, left.column)
            self.places = [labels.place(left.table, left.row, left.column, left.source)]
            self.proposed_values.append(value)
            self.printed = f"{label}{text['is']}{current}" + (
                (text["sep"] + sides) if sides else "")
            self.required += ("，" if labels.lang == "zh" else ", ") + text["must_equal"].format(label=label, value=value)
            self.proposal = text["if_parts"].format(label=label, current=current, value=value)
            self.reason = text["reason_total"].format(current=current, value=value,
                                                      diff=_fmt(finding.difference))
            self.key = ("total", result.file, left.table, left.row, left.column, value)
        elif cells:
            first = cells[0]
            self.places = [labels.place(first.table, first.row, first.column, first.source)]
            self.printed = text["sep"].join(f"{labels.cell(c.table, c.row, c.column)}{text['is']}{_cell_text(c, text)}"
                                            for c in cells[:6]) + ("……" if len(cells) > 6 else "")
            if sides:
                self.printed += text["sep"] + sides
            self.proposal = text["check"].format(
                labels=text["list_sep"].join(labels.cell(c.table, c.row, c.column) for c in cells[:6]))
            self.reason = text["reason_generic"].format(message=finding.message)
        else:  # a file, extraction or template problem: no cells
            source = finding.source
            self.places = [MemoWhere(file=result.file, page=source.page if source else None,
                                     line=source.line if source else None)]
            self.printed = finding.message
            self.required = text["problem_required"]
            self.proposal = text["check_problem"]
            self.reason = finding.message


    def apply_suspects(self, labels: "_Labels") -> None:
        """Proposal, places and reason from the (pooled) suspects: one correction per locate rank,
        tied corrections as alternatives."""
        text = labels.text
        by_rank: dict[object, list[dict]] = {}
        seen = set()
        for suspect in self.suspects:
            key = (suspect.rank, suspect.table, suspect.row, suspect.column)
            if key not in seen:
                seen.add(key)
                by_rank.setdefault(suspect.rank, []).append(suspect)
        places, printed, proposals, reasons, values = [], [], [], [], []
        for suspects in by_rank.values():
            parts, why = [], []
            for suspect in suspects:
                table, row, column = (str(getattr(suspect, k)) for k in ("table", "row", "column"))
                cell = self.cells_by_key.get((table, row, column))
                label = labels.cell(table, row, column)
                current = suspect.current
                current = _fmt(current) if current is not None else (_cell_text(cell, text) if cell else "—")
                proposed = _fmt(suspect.proposed)
                if (table, row, column) not in {(p.table, p.row, p.column) for p in places}:
                    places.append(labels.place(table, row, column, cell.source if cell else None))
                    printed.append(f"{label}{text['is']}{_cell_text(cell, text) if cell else current}")
                parts.append(text["suspect"].format(label=label, current=current, proposed=proposed))
                values.append(proposed)
                reason = suspect.reason
                if reason and reason not in why:
                    why.append(reason)
            proposals.append(text["and"].join(parts))
            unique = all(x.unique for x in suspects)
            template = text["reason_unique"] if unique else text["reason_not_unique"]
            reasons.append(template.format(reason=text["sep"].join(why) or text["no_slip"]))
        self.places = places
        self.printed = text["sep"].join(printed) + (text["sep"] + self.sides if self.sides else "")
        if len(proposals) == 1:
            self.proposal, self.reason = proposals[0], reasons[0]
        else:
            self.proposal = text["alternatives"] + text["or"].join(
                f"（{i}）{p}" if labels.lang == "zh" else f"({i}) {p}" for i, p in enumerate(proposals, 1))
            if len(set(reasons)) == 1:
                self.reason = reasons[0]
            else:
                self.reason = text["sep"].join(
                    f"（{i}）{r}" if labels.lang == "zh" else f"({i}) {r}" for i, r in enumerate(reasons, 1))
        self.proposed_values = list(dict.fromkeys(values))

def _where_text(places: list[MemoWhere], labels: "_Labels", result: AuditResult, reports: int) -> str:
    text = labels.text
    where = text["sep"].join(labels.where(p) for p in places) or text["file_where"]
    if reports > 1:
        where = f"{Path(result.file).name}{text['labels']['colon']}{where}"
    return where


def build_memo(results: Union[AuditResult, Iterable[AuditResult]], lang: str = "zh",
               include: Iterable[str] = DEFAULT_INCLUDE, today: Optional[_dt.date] = None,
               sender: str = "", rules: Iterable = ()) -> MemoData:
    """The memo's content: one numbered item per problem in findings of the included severities.
    ``rules``: the run's rules beyond the shipped ones, for their titles."""
    if isinstance(results, AuditResult):
        results = [results]
    results = list(results)
    lang = lang if lang in _TEXT else "zh"
    text = _TEXT[lang]
    wanted = {Severity(s).value if not isinstance(s, Severity) else s.value for s in include}
    today = today or _dt.date.today()
    date = f"{today.year}年{today.month}月{today.day}日" if lang == "zh" else today.isoformat()

    items: list[MemoItem] = []
    by_key: dict[tuple, MemoItem] = {}
    drafts: dict[tuple, _Draft] = {}
    codes = with_rules(rules)
    for result in results:
        labels = _Labels(result, lang, codes)
        findings = sorted((f for f in result.findings if f.severity.value in wanted),
                          key=lambda f: (-f.severity.rank, result.findings.index(f)))
        for finding in findings:
            draft = _Draft(finding, result, labels)
            merged = by_key.get(draft.key)
            if merged is not None:
                if draft.suspects:  # pool the suspects of every finding the correction explains
                    holder = drafts[draft.key]
                    holder.suspects += draft.suspects
                    holder.cells_by_key = {**draft.cells_by_key, **holder.cells_by_key}
                    holder.apply_suspects(labels)
                    merged.places, merged.printed, merged.proposal = holder.places, holder.printed, holder.proposal
                    merged.proposed_values, merged.reason = holder.proposed_values, holder.reason
                    merged.where = _where_text(holder.places, labels, result, len(results))
                if finding.code not in merged.codes:
                    merged.codes.append(finding.code)
                if draft.required not in merged.required.split(text["sep"]):
                    merged.required += text["sep"] + draft.required
                merged.messages.append(finding.message)
                continue
            item = MemoItem(
                number=len(items) + 1, codes=[finding.code], severity=finding.severity.value,
                report=result.file, agency=result.agency,
                where=_where_text(draft.places, labels, result, len(results)),
                places=draft.places, printed=draft.printed, required=draft.required, proposal=draft.proposal,
                proposed_values=draft.proposed_values, reason=draft.reason, messages=[finding.message])
            by_key[draft.key] = item
            drafts[draft.key] = draft
            items.append(item)

    agencies = list(dict.fromkeys(r.agency for r in results if r.agency))
    addressee = text["list_sep"].join(agencies) or text["addressee_unknown"]
    docs = text["list_sep"].join(
        text["doc"].format(agency=r.agency or "", year=f"{r.year}年" if (r.year and lang == "zh") else (r.year or ""),
                           file=Path(r.file).name)
        for r in results)
    if len(results) == 1:
        r = results[0]
        title = text["title_one"].format(agency=r.agency or "", year=(f"{r.year}年" if lang == "zh" else r.year)
                                         if r.year else "")
    else:
        title = text["title_many"]
    return MemoData(
        lang=lang, title=title, addressee=addressee, date=date, sender=sender,
        reports=[r.file for r in results],
        intro=(text["intro"] if items else text["intro_none"]).format(docs=docs, n=len(items)),
        items=items, closing=text["closing"] if items else text["closing_none"], labels=dict(text["labels"]))


# ------------------------------------------------------------------ Markdown


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(value: object) -> str:
    """Escape what Markdown would read as markup in text from a report ("*", "|", "<", "[" …)."""
    return _MD_SPECIAL.sub(r"\\\1", "" if value is None else str(value))


def default_template_text() -> str:
    """The shipped memo template (package data, found through importlib.resources)."""
    return resources.files("auditor").joinpath("memo_templates", DEFAULT_TEMPLATE).read_text(encoding="utf-8")


def _environment():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                               lstrip_blocks=True, autoescape=False)
    env.filters["md"] = md_escape
    return env


def render_markdown(memo: MemoData, template_path: Optional[Union[str, Path]] = None) -> str:
    """The memo as Markdown (or whatever text the template writes): the shipped template or the user's."""
    from jinja2 import TemplateError

    try:
        source = Path(template_path).read_text(encoding="utf-8") if template_path else default_template_text()
    except (OSError, UnicodeDecodeError) as error:
        raise MemoTemplateError(f"memo template {template_path} cannot be read: {error}") from error
    try:
        template = _environment().from_string(source)
        context = memo.model_dump()
        return template.render(memo=context, **context)
    except TemplateError as error:
        where = f"{template_path or DEFAULT_TEMPLATE}"
        line = getattr(error, "lineno", None)
        raise MemoTemplateError(f"memo template {where}{f':{line}' if line else ''}: {error}") from error


# ------------------------------------------------------------------ DOCX


def _east_asian(run_or_style, font: str = "宋体") -> None:
    from docx.oxml.ns import qn

    element = run_or_style.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def render_docx(memo: MemoData, path: Union[str, Path], template_path: Optional[Union[str, Path]] = None) -> Path:
    """Write the memo as a Word file with a real table. ``template_path``: a .docx whose styles, page
    setup and letterhead are kept; the memo is appended after its content."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    try:
        document = Document(str(template_path)) if template_path else Document()
    except Exception as error:  # python-docx raises several kinds for a file that is not a .docx
        raise MemoTemplateError(f"DOCX template {template_path} cannot be opened: {error}") from error
    if not template_path:
        section = document.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2.0))
        normal = document.styles["Normal"]
        normal.font.name = "SimSun"
        normal.font.size = Pt(11)
        _east_asian(normal)

    labels = memo.labels
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(memo.title)
    run.bold = True
    run.font.size = Pt(16)
    _east_asian(run, "黑体")
    document.add_paragraph(f"{memo.addressee}：" if memo.lang == "zh" else f"To {memo.addressee}:")
    intro = document.add_paragraph(memo.intro)
    intro.paragraph_format.first_line_indent = Pt(22)

    if memo.items:
        headers = [labels.get(k, k) for k in ("number", "where", "printed", "required", "proposal", "reason")]
        table = document.add_table(rows=1, cols=len(headers))
        try:
            table.style = document.styles["Table Grid"]
        except KeyError:  # a user template without it: draw the borders ourselves
            _borders(table)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header = table.rows[0]
        flag = OxmlElement("w:tblHeader")  # repeat the header row on every page
        flag.set(qn("w:val"), "true")
        header._tr.get_or_add_trPr().append(flag)
        for cell, name in zip(header.cells, headers):
            cell.text = ""
            run = cell.paragraphs[0].add_run(name)
            run.bold = True
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        for item in memo.items:
            row = table.add_row().cells
            values = [str(item.number), item.where, item.printed, item.required, item.proposal, item.reason]
            for cell, value in zip(row, values):
                cell.text = value
            row[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        widths = [Cm(1.2), Cm(4.6), Cm(4.4), Cm(5.6), Cm(5.0), Cm(4.8)]
        table.autofit = False
        for column, width in zip(table.columns, widths):  # w:gridCol, which LibreOffice follows
            column.width = width
        for row in table.rows:
            for cell, width in zip(row.cells, widths):
                cell.width = width

    closing = document.add_paragraph(memo.closing)
    closing.paragraph_format.first_line_indent = Pt(22)
    closing.paragraph_format.space_before = Pt(8)
    for line in (memo.sender, memo.date):
        if line:
            paragraph = document.add_paragraph(line)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    path = Path(path)
    document.save(str(path))
    return path


def _borders(table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        for key, value in (("val", "single"), ("sz", "4"), ("space", "0"), ("color", "000000")):
            element.set(qn(f"w:{key}"), value)
        borders.append(element)
    properties.append(borders)


def write_memo(memo: MemoData, output: Union[str, Path], template_path: Optional[Union[str, Path]] = None) -> Path:
    """Write by the output's suffix: .docx through python-docx, anything else as the rendered template.

    ``template_path`` is a Jinja2 text template for Markdown output and a base .docx for DOCX output.
    """
    output = Path(output)
    if output.suffix.lower() == ".docx":
        base = template_path if template_path and str(template_path).lower().endswith(".docx") else None
        if template_path and base is None:
            raise MemoTemplateError(f"a DOCX memo takes a .docx template, not {template_path}")
        return render_docx(memo, output, base)
    output.write_text(render_markdown(memo, template_path), encoding="utf-8")
    return output
