"""Report + rules -> findings. Evaluates each rule instance over typed cells.

Blank and dash operands are read as 0 by default ("flag"): a relation that then holds passes and
is counted as resting on blanks; one that fails only because of a blank is "not filled" (warning)
with the value the blank would need; one with missing or text operands is "not assessable"
(info). Decimals are compared as intervals of their printed precision; integers exactly.
"""
from __future__ import annotations

from dataclasses import dataclass, make_dataclass
from decimal import Decimal
from typing import Callable, Iterable, Optional

from ..catalogue import rule_kind
from ..model.findings import AuditStats, Finding, FindingCell, Severity, Status
from ..model.report import Cell, CellState, Report
from ..ruleset.expr import (
    CellKey,
    IntegerCheck,
    LinearRelation,
    MetaCondition,
    meta_from_report,
    split_qualifier,
)
from ..policy import RunConfig
from ..present.labels import cell_label
from ..templates import covers, resolve, table_number, used_template

_UNCERTAIN = (CellState.uncertain, CellState.inferred)
_MISSING = Cell(state=CellState.missing)
_BLANKISH = (CellState.blank, CellState.dash)
_PLAIN = frozenset({CellState.number, CellState.uncertain, CellState.inferred})  # read as their value
_ZERO = Decimal(0)
_STATUS_ZH = {"failed": "不成立", "not_filled": "未填写", "not_assessable": "无法核对"}


# AuditStats's counters as a plain dataclass: a pydantic model costs time on every increment.
_Counts = make_dataclass("_Counts", [(name, int, 0) for name in AuditStats.model_fields],
                         namespace={"model": lambda self: AuditStats(**self.__dict__)})


def _finding_cell(key: CellKey, cell: Cell, guess) -> FindingCell:
    return FindingCell(table=key.table, row=key.row, column=key.column, label=cell_label(key, guess),
                       raw=cell.raw, value=cell.value, state=cell.state.value, source=cell.source)


def _fmt(value: Optional[Decimal]) -> str:
    if value is None:
        return "—"
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))


# ------------------------------------------------------------------ evaluation


@dataclass
class Operand:
    key: CellKey
    coef: Decimal
    cell: Cell
    side: int  # +1 left, -1 right

    @property
    def half_width(self) -> Decimal:
        if self.cell.decimals <= 0:
            return Decimal(0)
        return abs(self.coef) * Decimal(5) * Decimal(10) ** (-(self.cell.decimals + 1))


def _holds(op: str, diff: Decimal, tolerance: Decimal) -> bool:
    if op == "==":
        return abs(diff) <= tolerance
    if op == "!=":
        return abs(diff) > tolerance
    if op in ("<=", "<"):
        return diff <= tolerance if op == "<=" else diff < tolerance
    return diff >= -tolerance if op == ">=" else diff > -tolerance


def _fillable(op: str, diff: Decimal, blanks: list[Operand]) -> tuple[list[Operand], Optional[Decimal]]:
    """The blank cells whose filling could make the relation hold (empty: none could), and the value
    needed when one blank alone can do it with the other blanks read as 0 (None: not determined)."""
    needed = -diff  # sum(side*coef*x) must move diff to 0 (==) or across it (inequalities)
    if op == "==":
        usable = [b for b in blanks if (b.side * b.coef > 0) == (needed > 0)]
    elif op in ("<=", "<"):
        usable = [b for b in blanks if b.side * b.coef < 0]
    elif op in (">=", ">"):
        usable = [b for b in blanks if b.side * b.coef > 0]
    else:
        usable = []
    if len(usable) == 1 and op == "==":
        only = usable[0]
        return usable, needed / (only.side * only.coef)
    return usable, None


class Evaluator:
    def __init__(self, report: Report, config: RunConfig):
        self.report = report
        self.config = config
        self.template = report.template  # the TemplateGuess every cell label resolves its table with
        self.stats = _Counts()  # plain counters: a pydantic model validates every increment
        self._cells_by_key: Optional[dict] = None

    def _cells(self, operands: list[Operand]) -> list[FindingCell]:
        return [_finding_cell(o.key, o.cell, self.template) for o in operands]

    def _index(self) -> dict:
        # Thousands of lookups per report: index the tables once; absent cells share one "missing".
        if self._cells_by_key is None:
            self._cells_by_key = {(table_id, row, column): cell
                                  for table_id, table in self.report.tables.items()
                                  for row, cells in table.rows.items() for column, cell in cells.items()}
        return self._cells_by_key

    def cell(self, key: CellKey) -> Cell:
        return self._index().get((key.table, key.row, key.column), _MISSING)

    def _holds_plainly(self, rule, relation: LinearRelation) -> int:
        """Whether the relation holds over whole numbers (and blanks read as 0, when the rule reads them
        so) with no missing, text or decimal operand: the common case, decided with the same sums as
        ``relation`` but without building operands. The number of blank operands when it holds; -1
        for "not decided here" (it fails, or an operand needs more): ``relation`` looks at it in full."""
        cells = self._index()
        blanks_read = rule.on_blank in ("flag", "zero")
        blanks = 0
        left = right = _ZERO  # summed in the order ``relation`` sums them: the same Decimal results
        for key, coef, side in relation.indexed_terms:
            cell = cells.get(key)
            if cell is None or cell.decimals > 0:
                return -1
            state = cell.state
            if state in _BLANKISH:
                if not blanks_read:
                    return -1
                blanks += 1
            elif state not in _PLAIN:
                return -1
            if side > 0:
                left += coef * (cell.value or 0)
            else:
                right += coef * (cell.value or 0)
        if _holds(relation.op, (left + relation.lhs_const) - (right + relation.rhs_const), _ZERO):
            return blanks
        return -1

    def _message(self, rule, status: Status, relation: LinearRelation, left: Decimal, right: Decimal,
                 cells: list[FindingCell], required: Optional[Decimal], blank_cells: list[Operand]) -> tuple[str, str]:
        where = cells[0].label if cells else ""
        diff = left - right
        if status == Status.not_filled:
            where = "、".join(cell_label(b.key, self.template) for b in blank_cells[:3])
            target = "; ".join(cell_label(b.key, self.template, "en") for b in blank_cells[:3])
            need_zh = f"，按勾稽关系应为 {_fmt(required)}" if required is not None and required >= 0 else ""
            need_en = f"; the relations require {_fmt(required)}" if required is not None and required >= 0 else ""
            zh = (f"{rule.title_zh}：{where}未填写（空白按 0 计时左边 {_fmt(left)}，右边 {_fmt(right)}）"
                  f"{need_zh}")
            en = (f"{rule.title_en}: blank cell(s) {target} not filled (with blanks as 0: left {_fmt(left)}, "
                  f"right {_fmt(right)}){need_en}")
            return zh, en
        zh = (f"{rule.title_zh}不成立：{where}等，左边 {_fmt(left)}，右边 {_fmt(right)}，相差 {_fmt(diff)}")
        at = f" at {cell_label(CellKey(cells[0].table, cells[0].row, cells[0].column), self.template, 'en')}" \
            if cells else ""
        en = f"{rule.title_en} fails{at}: left {_fmt(left)}, right {_fmt(right)}, difference {_fmt(diff)}"
        if any(c.state in ("uncertain", "inferred") for c in cells):
            zh += "（涉及识别不确定的单元格，请先核对原件）"
            en += " (rests on cells read with doubt: check the source first)"
        elif blank_cells:
            zh += "（含空白单元格，按 0 计）"
            en += " (blank cells read as 0)"
        return zh, en

    def relation(self, rule, relation: LinearRelation) -> Optional[Finding]:
        self.stats.relations += 1
        blanks_read = self._holds_plainly(rule, relation)
        if blanks_read >= 0:  # most relations of most reports: no operand, no finding built
            self.stats.passed += 1
            if blanks_read and rule.on_blank == "flag":
                self.stats.passed_on_blank += 1
            return None
        operands = [Operand(key, coef, self.cell(key), side) for key, coef, side in relation.signed_terms]
        unusable = [o for o in operands if o.cell.state in (CellState.missing, CellState.text)]
        blanks = [o for o in operands if o.cell.state in _BLANKISH]
        if blanks and rule.on_blank == "skip":
            unusable += blanks
        if unusable:
            mode = rule.on_missing
            if all(o.cell.state in _BLANKISH for o in unusable):
                mode = "skip"
            if mode == "skip":
                self.stats.not_assessable += 1
                if len(operands) == 1:
                    return None  # a single-cell check on an absent cell says nothing new
                cells = self._cells(operands)
                names = [f"{o.key.table}.{o.key.row}.{o.key.column}" for o in unusable]
                zh = f"{rule.title_zh}无法核对：缺少 {'、'.join(cell_label(o.key, self.template) for o in unusable[:4])}"
                en = f"{rule.title_en} not assessable: missing {', '.join(names[:4])}"
                return self._finding(rule, Status.not_assessable, Severity.info, relation, None, None, cells, zh, en,
                                     missing=names)
        left = sum((o.coef * (o.cell.value or 0) for o in operands if o.side > 0), Decimal(0)) + relation.lhs_const
        right = sum((o.coef * (o.cell.value or 0) for o in operands if o.side < 0), Decimal(0)) + relation.rhs_const
        # a cell printed without decimals adds no width: only the others are summed
        tolerance = sum((o.half_width for o in operands if o.cell.decimals > 0), Decimal(0)) \
            if rule.tolerance == "printed" else Decimal(0)
        flagged = [o for o in blanks if rule.on_blank == "flag"]
        if _holds(relation.op, left - right, tolerance) and not (blanks and rule.on_blank == "fail"):
            self.stats.passed += 1
            if flagged:
                self.stats.passed_on_blank += 1
            return None
        cells = self._cells(operands)
        if blanks and rule.on_blank == "fail":
            zh = f"{rule.title_zh}：存在空白单元格，本规则要求填写"
            en = f"{rule.title_en}: blank cells where this rule requires a value"
            return self._finding(rule, Status.failed, None, relation, left, right, cells, zh, en)
        if flagged:
            unfilled, value = _fillable(relation.op, left - right, flagged)
            if unfilled:
                # name the blanks that could close the gap; the others read as 0 (zeros left blank)
                self.stats.not_filled += 1
                flagged = unfilled
                zh, en = self._message(rule, Status.not_filled, relation, left, right, cells, value, flagged)
                severity = min((Severity(rule.severity), Severity.warning),
                               key=lambda s: s.rank)
                finding = self._finding(rule, Status.not_filled, severity, relation, left, right, cells, zh, en)
                return finding.model_copy(update={"required": value, "rests_on_blank": True,
                                                  "source": flagged[0].cell.source or finding.source})
        self.stats.failed += 1
        zh, en = self._message(rule, Status.failed, relation, left, right, cells, None, flagged)
        finding = self._finding(rule, Status.failed, None, relation, left, right, cells, zh, en)
        return finding.model_copy(update={"rests_on_blank": bool(flagged)})

    def integer(self, rule, check: IntegerCheck) -> Optional[Finding]:
        cell = self._index().get(check.index_key, _MISSING)
        if not cell.has_value:
            return None
        self.stats.relations += 1
        if cell.value == cell.value.to_integral_value():
            self.stats.passed += 1
            return None
        self.stats.failed += 1
        cells = [_finding_cell(check.cell, cell, self.template)]
        zh = f"{rule.title_zh}不成立：{cells[0].label}为 {cell.raw}，应为整数"
        en = f"{rule.title_en} fails: {cell_label(check.cell, self.template, 'en')} is {cell.raw}, not an integer"
        return self._finding(rule, Status.failed, None, None, cell.value, None, cells, zh, en)

    def meta(self, rule, condition: MetaCondition) -> Optional[Finding]:
        template = self.report.template
        meta = meta_from_report(self.report)
        outcome = condition.evaluate(meta)
        self.stats.relations += 1
        # The table the rule declares (rules/checks/template.yaml), never guessed from its code.
        table = rule.tables[0] if len(rule.tables) == 1 else "table3"
        used = getattr(template, table, "unknown")
        if outcome is None:  # the year or the template is unknown: said, never passed in silence
            unknown_zh = "报告年度" if self.report.year is None else f"{table_number(table)}所用模板"
            unknown_en = "the report year" if self.report.year is None else f"the template of {table_number(table, 'en')}"
            if rule.on_missing != "fail":
                self.stats.not_assessable += 1
                return self._finding(rule, Status.not_assessable, Severity.info, None, None, None, [],
                                     f"{rule.title_zh}无法核对：未能确定{unknown_zh}",
                                     f"{rule.title_en} not assessable: {unknown_en} is unknown",
                                     missing=[condition.text])
            self.stats.failed += 1
            return self._finding(rule, Status.failed, None, None, None, None, [],
                                 # not "不成立" (a relation whose sides differ, docs/GLOSSARY.md): nothing was compared
                                 f"{rule.title_zh}：未能确定{unknown_zh}，按规则（on_missing: fail）报告",
                                 f"{rule.title_en}: {unknown_en} is unknown, reported as the rule says (on_missing: fail)")
        if outcome:
            self.stats.passed += 1
            return None
        self.stats.failed += 1
        zh = f"{rule.title_zh}：{self.report.year}年度报告的{table_number(table)}使用了{used}版模板"
        en = f"{rule.title_en}: the {self.report.year} report's {table_number(table, 'en')} follows the {used} template"
        return self._finding(rule, Status.failed, None, None, None, None, [], zh, en)

    def _finding(self, rule, status: Status, severity: Optional[Severity], relation: Optional[LinearRelation],
                 left: Optional[Decimal], right: Optional[Decimal], cells: list[FindingCell], zh: str, en: str,
                 missing: Iterable[str] = ()) -> Finding:
        severity = severity or Severity(rule.severity)  # the rule's; the run's overrides come later (policy)
        return Finding(
            code=rule.code,
            name=rule.name,
            severity=severity,
            status=status,
            kind=rule_kind(rule),
            message=zh if self.config.lang == "zh" else en,
            message_zh=zh,
            message_en=en,
            relation=relation.text if relation else None,
            reported=left,
            computed=right,
            difference=(left - right) if left is not None and right is not None else None,
            cells=cells,
            missing=list(missing),
            rests_on_uncertain=any(c.state in ("uncertain", "inferred") for c in cells),
            file=self.report.file,
            source=cells[0].source if cells else None,
        )


def rule_instances(rule, report: Report) -> list:
    """The (bindings, expansion) pairs a rule runs on for this report; [] when it does not apply."""
    return _instances(rule, report) if applies(rule, report) else []


def applies(rule, report: Report) -> bool:
    """A rule runs when its templates include the report's and every table it reads was found."""
    template = report.template
    if template.overall == "pre-2019":
        return False
    tables = rule.tables or ()
    if any(not report.table(t).found for t in tables if t.startswith("table")):
        return False
    for table in tables:
        used = used_template(template, split_qualifier(table)[1])
        if not covers(rule.templates, used):
            return False
    return True


_INSTANCES: dict[tuple[int, str, str], list] = {}
_INSTANCES_MAX = 4096  # the shipped rules need about 60 entries per template combination


def _instances(rule, report: Report) -> list:
    """A rule's instances depend only on the templates in use: expand once per combination."""
    key = (id(rule), report.template.table2, report.template.table3)
    cached = _INSTANCES.get(key)
    if cached is None or cached[0] is not rule:
        if len(_INSTANCES) >= _INSTANCES_MAX:  # a process that loads rule set after rule set (the
            _INSTANCES.clear()  # expression fuzzer grew to 500 MB) must not keep every rule alive
        cached = (rule, rule.instances(_resolver(report)))
        _INSTANCES[key] = cached
    return cached[1]


def run_rules(report: Report, rules, config: RunConfig,
              relations: Optional[list] = None) -> tuple[list[Finding], AuditStats]:
    """Evaluate the rules over the report. With ``relations`` (a list), also append to it one
    ``(rule, LinearRelation, finding or None)`` per linear relation evaluated (None: it held), for
    error localisation (locate.py), which needs the relations that pass as well as those that fail."""
    evaluator = Evaluator(report, config)
    findings: list[Finding] = []
    for rule in rules:
        if not config.enabled(rule.code) or not applies(rule, report):
            continue
        findings += evaluate_instances(evaluator, rule, _instances(rule, report), relations)
    return findings, evaluator.stats.model()


def evaluate_instances(evaluator: Evaluator, rule, instances, relations: Optional[list] = None) -> list[Finding]:
    """Findings of one rule's ``(bindings, expansion)`` instances, evaluated as ``run_rules`` does.

    The hook for cross-report rules (``auditor.crossyear``): they expand a rule against two or more
    reports and evaluate it with an ``Evaluator`` over a combined report whose tables include
    qualified ones (``"prev.table3"``), so blank, missing and tolerance rules stay the engine's.
    """
    findings: list[Finding] = []
    for bindings, instance in instances:
        if isinstance(instance, LinearRelation):
            finding = evaluator.relation(rule, instance)
        elif isinstance(instance, IntegerCheck):
            finding = evaluator.integer(rule, instance)
        elif isinstance(instance, MetaCondition):
            finding = evaluator.meta(rule, instance)
        else:  # pragma: no cover - the loader produces only these
            continue
        if finding is not None:
            finding = finding.model_copy(update={"bindings": dict(bindings)})
            findings.append(finding)
        if relations is not None and isinstance(instance, LinearRelation):
            relations.append((rule, instance, finding))
    return findings


def _resolver(report: Report) -> Callable:
    def view(table: str):
        return resolve(report.template, table)
    return view
