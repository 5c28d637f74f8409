"""Claims against the tables: findings of kind "narrative", each with the sentence it comes from.

A count claim names candidate readings (``rules/narrative/claims.yaml``: expressions in the rule
language, compiled by ``auditor.ruleset.compile_expression`` and expanded in the report's template);
it agrees when its number fits any reading. Blank and dash cells are read as 0 and the message says
so; where a 总计 cell is blank, the sum of its row's parts is a second reading ("总计列空白，按各列
之和"), so "258 vs 272+3" is shown rather than "258 vs 0".

Severities (a run may override any code): narrative against table is ``review`` — the scope of a
sentence is often ambiguous; a "其中" list whose parts exceed its whole is an ``error``, unless some
of the parts add up exactly to the whole (they may overlap: ``review``). A claim that cannot be
compared (no table, an unknown denominator, last year's report absent) is listed in the result's
``claims.not_checked`` and, when the report has national tables, as an ``N-NOT-CHECKED`` info finding:
never dropped silently. (A pre-2019 report has no such tables: its claims are listed only.)
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from functools import lru_cache
from typing import Optional

from ...policy import RunConfig
from ...present.labels import cell_label
from ...model.findings import ClaimNote, ClaimSummary, Finding, FindingCell, Severity, Status, YearOnYearClaim
from ...model.report import Cell, CellState, Document, Report
from ...ruleset import CellKey, NotInTemplate, compile_expression
from ...templates import PRE_TEMPLATE, resolve, table_number
from .claims import Candidate, Claim, Number, Sentence, Vocabulary, extract_claims, load_vocabulary

_VALUE = (CellState.number, CellState.uncertain, CellState.inferred)
_BLANK = (CellState.blank, CellState.dash)
_PART_GROUP = {"table3": "applicants", "table4": "parts"}
MAX_SUBSET_PARTS = 14  # the overlap test tries every subset of at most this many parts
# A year-on-year claim on one report alone. The same words in every flow: the batch's pair stage and
# ``auditor check`` given both years then say what they found (check_year_on_year).
NO_PREVIOUS_ZH = "单份报告无法核对同比变化，须与同一机关上一年度的报告对照（与上年报告一并审核时核对）"
NO_PREVIOUS_EN = ("a year-on-year change cannot be checked on one report alone: it needs the same agency's "
                  "report of the year before (checked when that report is audited with it)")


def _fmt(value: Optional[Decimal]) -> str:
    if value is None:
        return "—"
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


# ------------------------------------------------------------------ readings of a candidate


@lru_cache(maxsize=512)
def _compiled(expr: str):
    return compile_expression(f"{expr} == 0")


def _view(report: Report, table: str):
    return resolve(report.template, table)


@dataclass
class Reading:
    candidate: Candidate
    value: Decimal
    half: Decimal  # printed precision of the cells, as a half-interval
    cells: list[tuple[CellKey, Cell]]
    blanks: list[CellKey] = field(default_factory=list)
    derived: list[tuple[CellKey, Decimal]] = field(default_factory=list)  # blank 总计 -> its row's sum

    def fits(self, number: Number) -> bool:
        low, high = number.low(), number.high()
        return (high is None or high >= self.value - self.half) and (low is None or low <= self.value + self.half)


def _half(cell: Cell) -> Decimal:
    return Decimal(5) * Decimal(10) ** (-(cell.decimals + 1)) if cell.decimals > 0 else Decimal(0)


def _row_sum(report: Report, key: CellKey) -> Optional[Decimal]:
    """The sum of the parts of a blank total cell's row, when at least one part is printed."""
    group = _PART_GROUP.get(key.table)
    if group is None:
        return None
    view = _view(report, key.table)
    table = report.table(key.table)
    values = []
    for column in view.column_groups.get(group, ()):
        cell = table.cell(key.row, column)
        if cell.state in _VALUE and cell.value is not None:
            values.append(cell.value)
        elif cell.state not in _BLANK:
            return None
    return sum(values, Decimal(0)) if values else None


def readings(candidate: Candidate, report: Report) -> tuple[list[Reading], str, str]:
    """The candidate's values in this report: as printed (blanks as 0), and, where a 总计 cell is
    blank, with the sum of its row. Returns (readings, reason zh, reason en); no readings when a
    table, row or cell is not there."""
    expr = _compiled(candidate.expr)
    for table in expr.tables:
        if not report.table(table).found:
            return [], f"未找到{table_number(table)}", f"{table} not found"
    try:
        relation = expr.expand(dict(candidate.bindings), lambda t: _view(report, t))
    except NotInTemplate:
        return [], "表格模板中没有对应的单元格", "the template has no such cell"
    cells, blanks, total, half = [], [], Decimal(0), Decimal(0)
    for term in relation.lhs:
        cell = report.table(term.cell.table).cell(term.cell.row, term.cell.column)
        cells.append((term.cell, cell))
        if cell.state in _VALUE and cell.value is not None:
            total += Decimal(term.coef) * cell.value
            half += abs(Decimal(term.coef)) * _half(cell)
        elif cell.state in _BLANK:
            blanks.append(term.cell)
        else:
            where = cell_label(term.cell, report.template)
            return [], f"{where}缺失或不是数字", f"{term.cell} is missing or not a number"
    found = [Reading(candidate, total, half, cells, blanks)]
    derived = []
    for key in blanks:
        if key.column == "total":
            value = _row_sum(report, key)
            if value is not None:
                derived.append((key, value))
    if derived:
        coefficient = {term.cell: Decimal(term.coef) for term in relation.lhs}
        value = total + sum((coefficient[k] * v for k, v in derived), Decimal(0))
        found.append(Reading(candidate, value, half, cells, [k for k in blanks if k not in dict(derived)], derived))
    return found, "", ""


# ------------------------------------------------------------------ messages


def _describe(group: list[Reading], report: Report, lang: str) -> str:
    """One candidate's readings: "予以公开+部分公开为 0（总计列空白，按 0 计），按各列之和为 275（272 + 3）"."""
    first = group[0]
    name = (first.candidate.zh if lang == "zh" else first.candidate.en) or first.candidate.expr
    template = report.template
    text = f"{name}为 {_fmt(first.value)}" if lang == "zh" else f"{name} = {_fmt(first.value)}"
    if first.blanks:
        if all(k.column == "total" for k in first.blanks):
            where_zh, where_en = "总计列", "the total column"
        else:
            where_zh = "、".join(cell_label(k, template) for k in first.blanks[:3])
            where_en = ", ".join(map(str, first.blanks[:3]))
        text += f"（{where_zh}空白，按 0 计）" if lang == "zh" else f" ({where_en} blank, read as 0)"
    for reading in group[1:]:
        parts = " + ".join(_fmt(v) for _, v in reading.derived)
        text += (f"，按各列之和为 {_fmt(reading.value)}（{parts}）" if lang == "zh"
                 else f"; the sum of the columns is {_fmt(reading.value)} ({parts})")
    return text


def _grouped(found: list[Reading]) -> list[list[Reading]]:
    groups: dict[str, list[Reading]] = {}
    for reading in found:
        groups.setdefault(reading.candidate.expr, []).append(reading)
    return list(groups.values())


def _coincidence(value: Decimal, found: list[Reading], report: Report) -> tuple[str, str]:
    """A cell of the rows the claim names that prints exactly the claimed number (the narrative may
    count one column or one row only): "与表三“（一）予以公开”行“自然人”列相同"."""
    template = report.template
    rows = dict.fromkeys((k.table, k.row) for r in found for k, _ in r.cells)
    for table_id, row in rows:
        table = report.table(table_id)
        view = _view(report, table_id)
        for column in view.column_ids:
            cell = table.cell(row, column)
            if cell.state in _VALUE and cell.value == value:
                key = CellKey(table_id, row, column)
                if any(k == key for r in found for k, _ in r.cells) and len(rows) == 1:
                    continue
                return cell_label(key, template), str(key)
        total = _row_sum(report, CellKey(table_id, row, "total"))
        if total == value and len(rows) > 1:
            key = CellKey(table_id, row, "total")
            return cell_label(key, template).replace("“总计”列", "各列之和"), f"{table_id}.{row} (sum of the columns)"
    return "", ""


def _cells(all_readings: list[Reading], report: Report) -> list[FindingCell]:
    seen, out = set(), []
    template = report.template
    for reading in all_readings:
        for key, cell in reading.cells:
            if key in seen:
                continue
            seen.add(key)
            out.append(FindingCell(table=key.table, row=key.row, column=key.column, label=cell_label(key, template),
                                   raw=cell.raw, value=cell.value, state=cell.state.value, source=cell.source))
    return out


# ------------------------------------------------------------------ the checker


@dataclass
class _Run:
    report: Report
    config: RunConfig
    vocabulary: Vocabulary
    claims: list[Claim]
    previous: Optional[Report] = None
    findings: list[Finding] = field(default_factory=list)
    summary: ClaimSummary = field(default_factory=ClaimSummary)

    # -------------------------------------------------------------- helpers
    def _name(self, claim: Claim) -> str:
        return "narrative." + (claim.kind if claim.kind != "count" else claim.claim_id.replace(":", ".").replace("+", "_"))

    def finding(self, claim: Claim, severity: Severity, zh: str, en: str, code: Optional[str] = None,
                reported: Optional[Decimal] = None, computed: Optional[Decimal] = None,
                cells: Optional[list[FindingCell]] = None, relation: Optional[str] = None,
                rests_on_blank: bool = False, status: Status = Status.failed) -> None:
        code = code or claim.code
        if not self.config.enabled(code):
            return
        sentence = claim.sentence.text
        if claim.whole_sentence is not None and claim.whole_sentence is not claim.sentence:
            sentence = claim.whole_sentence.text + sentence
        self.findings.append(Finding(
            code=code, name=self._name(claim), severity=severity, status=status,
            kind="narrative", message=zh if self.config.lang == "zh" else en, message_zh=zh, message_en=en,
            relation=relation, reported=reported, computed=computed,
            difference=(reported - computed) if reported is not None and computed is not None else None,
            cells=cells or [], rests_on_blank=rests_on_blank, file=self.report.file, source=claim.source,
            sentence=sentence))

    def not_checked(self, claim: Claim, zh: str, en: str) -> None:
        text = claim.text
        reason = zh if self.config.lang == "zh" else en
        self.summary.not_checked.append(ClaimNote(code=claim.code, text=text, sentence=claim.sentence.text,
                                                  reason=reason, source=claim.source))
        if self.report.template.overall == PRE_TEMPLATE:
            return  # no national tables by nature: listed in the coverage, not repeated as findings
        self.finding(claim, Severity.info, f"正文“{text}”未与表格核对：{zh}",
                     f"claim \"{text}\" not checked against the tables: {en}",
                     code=self.vocabulary.not_checked_code, status=Status.not_assessable)

    def checked(self, agreed: bool) -> None:
        self.summary.checked += 1
        if agreed:
            self.summary.agreed += 1

    def claim_readings(self, claim: Claim, report: Optional[Report] = None) -> tuple[list[Reading], str, str]:
        report = report or self.report
        found, zh, en = [], "", ""
        for candidate in claim.candidates:
            here, why_zh, why_en = readings(candidate, report)
            found += here
            if not here and not zh:
                zh, en = why_zh, why_en
        return found, zh, en

    # -------------------------------------------------------------- kinds
    def count(self, claim: Claim) -> None:
        if self.report.template.overall == PRE_TEMPLATE:
            self.not_checked(claim, "2019年以前的报告没有国家统一表格", "pre-2019 report: no national tables")
            return
        found, why_zh, why_en = self.claim_readings(claim)
        if not found:
            self.not_checked(claim, why_zh or "无对应单元格", why_en or "no cell to compare with")
            return
        number = claim.number
        fitting = [r for r in found if r.fits(number)]
        self.checked(bool(fitting))
        if fitting:
            if all(r.blanks or r.derived for r in fitting):
                self.summary.agreed_on_blank += 1
            return
        closest = min(found, key=lambda r: abs(r.value - number.value))
        described_zh = "；".join(_describe(g, self.report, "zh") for g in _grouped(found))
        described_en = "; ".join(_describe(g, self.report, "en") for g in _grouped(found))
        subject = "+".join(self.vocabulary.claims[s].en for s in claim.specs)
        zh = f"正文“{claim.text}”与表格不符：{described_zh}"
        en = f"the narrative's \"{claim.text}\" ({subject}) disagrees with the tables: {described_en}"
        same_zh, same_en = _coincidence(number.value, found, self.report)
        if same_zh:
            zh += f"；正文数字与{same_zh}相同，可能只计了这一项"
            en += f"; the narrative's number equals {same_en}: it may count only that"
        zh += "。正文与表格的统计口径可能不同，请复核"
        en += "; the scope may differ: review"
        relation = f"{_fmt(number.value)} == " + " | ".join(dict.fromkeys(r.candidate.expr for r in found))
        self.finding(claim, Severity.review, zh, en, reported=number.value, computed=closest.value,
                     cells=_cells(found, self.report), relation=relation,
                     rests_on_blank=any(r.blanks or r.derived for r in found))

    def _denominators(self, claim: Claim) -> list[tuple[Decimal, str]]:
        """(value, where it comes from) pairs for a percentage's denominator."""
        found: list[tuple[Decimal, str]] = []
        if claim.list_whole is not None:  # the whole as printed, even "约4900人次"
            found.append((claim.list_whole.value, f"总数 {claim.list_whole.text}"))
        if claim.numerator is None or self.report.template.overall == PRE_TEMPLATE:
            return found
        hint = claim.hint
        chosen = [d for d in self.vocabulary.denominators if hint and any(w in hint for w in d.hint)]
        for d in chosen or self.vocabulary.denominators:
            if d.claim:
                for other in self.claims:
                    if other.kind == "count" and other.specs == (d.claim,) and other.number.bound == "exact":
                        found.append((other.number.value, f"正文 {other.text}"))
            for reading in readings(Candidate(d.expr), self.report)[0]:
                found.append((reading.value, d.expr))
        return found

    def percent(self, claim: Claim) -> None:
        numerators: list[tuple[Decimal, str]] = [(claim.numerator_number.value, claim.numerator_number.text)]
        if claim.numerator is not None and self.report.template.overall != PRE_TEMPLATE:
            numerators += [(r.value, r.candidate.expr) for r in self.claim_readings(claim.numerator)[0]]
        denominators = [(v, w) for v, w in self._denominators(claim) if v > 0]
        if not denominators:
            self.not_checked(claim, "找不到可用的分母", "no denominator to compare with")
            return
        p = claim.number.value
        unit = Decimal(1).scaleb(-claim.number.decimals)
        tried = []
        with localcontext() as context:
            context.prec = 28
            for (n, n_from), (d, d_from) in itertools.product(numerators, denominators):
                share = n * 100 / d
                tried.append((share, n, d))
                if p - unit / 2 <= share < p + unit:  # rounded half-up or truncated to the printed digits
                    self.checked(True)
                    return
        self.checked(False)
        share, n, d = min(tried, key=lambda t: abs(t[0] - p))
        shown = share.quantize(unit / 10)
        zh = (f"正文“{claim.text}”与计数不符：{_fmt(n)}/{_fmt(d)} = {_fmt(shown)}%，"
              f"按四舍五入或截断都不是 {_fmt(p)}%（已试分母：{'、'.join(dict.fromkeys(_fmt(v) for v, _ in denominators))}）")
        en = (f"the narrative's \"{claim.text}\" disagrees with the counts: {_fmt(n)}/{_fmt(d)} = {_fmt(shown)}%, "
              f"which neither rounds nor truncates to {_fmt(p)}% (denominators tried: "
              f"{', '.join(dict.fromkeys(_fmt(v) for v, _ in denominators))})")
        self.finding(claim, Severity.review, zh, en, reported=p, computed=shown,
                     relation=f"{_fmt(p)}% == {_fmt(n)} / {_fmt(d)}")

    def yoy(self, claim: Claim) -> None:
        if not claim.specs:
            self.not_checked(claim, "无法确定同比变化的对象", "the subject of the change is not known")
            return
        if self.previous is None:  # checked later when last year's report is at hand (check_year_on_year)
            self.not_checked(claim, NO_PREVIOUS_ZH, NO_PREVIOUS_EN)
            return
        spec = self.vocabulary.claims[claim.specs[0]]
        probe = Claim("count", spec.code, claim.text, claim.sentence, candidates=spec.candidates)
        now, _, _ = self.claim_readings(probe)
        before, _, _ = self.claim_readings(probe, self.previous)
        # per candidate, the reading with no blank read as 0 (a blank 总计 as its row's sum): a change
        # from or to a blank cell is not asserted
        this_year = {r.candidate.expr: r for r in now if not r.blanks}
        last_year = {r.candidate.expr: r for r in before if not r.blanks}
        pairs = [(this_year[e].value, last_year[e].value) for e in this_year if e in last_year and last_year[e].value > 0]
        if not pairs:
            self.not_checked(claim, "本年或上年的表格缺少对应数据（或单元格空白）",
                             "the counts are missing (or blank) this year or last year")
            return
        now = [this_year[e] for e in this_year if e in last_year]
        p = claim.number.value * claim.direction
        unit = Decimal(1).scaleb(-claim.number.decimals)
        changes = [(a - b) * 100 / b for a, b in pairs]
        ok = any(abs(c) >= abs(p) - unit / 2 and abs(c) < abs(p) + unit and (c >= 0) == (p >= 0) for c in changes)
        self.checked(ok)
        if not ok:
            change = changes[0].quantize(unit / 10)
            a, b = pairs[0]
            zh = (f"正文“{claim.text}”与两年的表格不符：按表格计算变化为 {_fmt(change)}%"
                  f"（{spec.zh}本年 {_fmt(a)}，上年 {_fmt(b)}，上年报告 {self.previous.file}）")
            en = (f"the narrative's \"{claim.text}\" disagrees with the two years' tables: the change is "
                  f"{_fmt(change)}% ({spec.en}: {_fmt(a)} this year, {_fmt(b)} last year, in {self.previous.file})")
            self.finding(claim, Severity.review, zh, en, reported=p, computed=change, cells=_cells(now, self.report),
                         relation=f"{_fmt(p)}% == ({_fmt(a)} - {_fmt(b)}) / {_fmt(b)}")

    def list_sum(self, claim: Claim) -> None:
        whole, parts = claim.whole, claim.parts
        lows = [p.low() for p in parts]
        highs = [p.high() for p in parts]
        low = sum(lows, Decimal(0))
        high = None if any(h is None for h in highs) else sum(highs, Decimal(0))
        whole_low, whole_high = whole.low(), whole.high()
        shown = "+".join(p.text for p in parts)
        total = sum((p.value for p in parts), Decimal(0))
        if whole_high is not None and low > whole_high:
            self.checked(False)
            overlap = self._overlap(parts, whole)
            if overlap:
                zh = (f"“其中”所列各项之和 {_fmt(total)}（{shown}）超过总数 {whole.text}；"
                      f"其中 {'+'.join(p.text for p in overlap)} 恰等于总数，各项可能有包含关系，请复核")
                en = (f"the parts of the list sum to {_fmt(total)} ({shown}), more than the whole {whole.text}; "
                      f"{' + '.join(p.text for p in overlap)} equals the whole: the parts may overlap (review)")
                severity = Severity.review
            else:
                zh = f"“其中”所列各项之和 {_fmt(total)}（{shown}）超过总数 {whole.text}"
                en = f"the parts of the list sum to {_fmt(total)} ({shown}), more than the whole {whole.text}"
                severity = Severity.error
            self.finding(claim, severity, zh, en, reported=whole.value, computed=total,
                         relation=f"{whole.text} >= {shown}")
            return
        if claim.closed and high is not None and whole_low is not None and high < whole_low:
            self.checked(False)
            zh = f"“分别为”所列各项之和 {_fmt(total)}（{shown}）小于总数 {whole.text}"
            en = f"the listed parts sum to {_fmt(total)} ({shown}), less than the whole {whole.text}"
            self.finding(claim, Severity.review, zh, en, reported=whole.value, computed=total,
                         relation=f"{whole.text} == {shown}")
            return
        self.checked(True)

    @staticmethod
    def _overlap(parts: list[Number], whole: Number) -> list[Number]:
        """Some of the parts (not all) that add up exactly to the whole, if any."""
        exact = [p for p in parts if p.bound == "exact"]
        if whole.bound != "exact" or len(exact) > MAX_SUBSET_PARTS:
            return []
        for size in range(len(exact) - 1, 0, -1):
            for subset in itertools.combinations(exact, size):
                if sum((p.value for p in subset), Decimal(0)) == whole.value:
                    return list(subset)
        return []

    # -------------------------------------------------------------- run
    def run(self) -> None:
        for claim in self.claims:
            self.summary.found += 1
            if claim.kind == "count":
                self.count(claim)
            elif claim.kind == "percent":
                self.percent(claim)
            elif claim.kind == "yoy":
                self.yoy(claim)
            elif claim.kind == "list":
                self.list_sum(claim)


def check_claims(claims: list[Claim], report: Report, config: RunConfig,
                 previous: Optional[Report] = None) -> tuple[list[Finding], ClaimSummary]:
    run = _Run(report, config, load_vocabulary(), claims, previous)
    run.run()
    return run.findings, run.summary


def _kept(claim: Claim) -> YearOnYearClaim:
    number = claim.number
    return YearOnYearClaim(text=claim.text, sentence=claim.sentence.text, value=number.value,
                           decimals=number.decimals, number_text=number.text, direction=claim.direction,
                           specs=list(claim.specs), source=claim.source)


def _restored(kept: YearOnYearClaim, code: str) -> Claim:
    sentence = Sentence(text=kept.sentence, folded=kept.sentence, where=kept.source, index=0, paragraph=0)
    number = Number(kept.value, kept.decimals, "%", "exact", kept.number_text, 0, 0)
    return Claim("yoy", code, kept.text, sentence, number, specs=tuple(kept.specs), direction=kept.direction)


def check_year_on_year(kept: list[YearOnYearClaim], report: Report, previous: Report,
                       config: RunConfig) -> tuple[list[Finding], ClaimSummary]:
    """The year-on-year claims kept from ``report``'s narrative check (``ClaimSummary.year_on_year``),
    checked against ``previous``, last year's report of the same agency: N-YOY where the tables'
    change disagrees, N-NOT-CHECKED where a count is missing; nothing where the claim agrees."""
    vocabulary = load_vocabulary()
    claims = [_restored(k, vocabulary.yoy_code) for k in kept]
    return check_claims(claims, report, config, previous)


def check_narrative(report: Report, document: Document, config: RunConfig,
                    previous: Optional[Report] = None) -> tuple[list[Finding], ClaimSummary]:
    """The narrative check and, for a pre-2019 report, its old 统计表: findings and coverage.
    ``previous`` is last year's report of the same agency, when the caller has it (year-on-year claims);
    without it the year-on-year claims whose subject is known are kept in the summary for later."""
    from .pre2019 import check_old_table

    claims = extract_claims(document, report)
    findings, summary = check_claims(claims, report, config, previous)
    if previous is None:
        summary.year_on_year = [_kept(c) for c in claims if c.kind == "yoy" and c.specs and c.number is not None]
    if report.template.overall == PRE_TEMPLATE or not report.table("table3").found:
        table_findings, sums = check_old_table(document, report, config)
        findings += table_findings
        summary.old_table_sums = sums
    return findings, summary
