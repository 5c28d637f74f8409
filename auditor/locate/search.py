"""Error localisation (Fellegi–Holt): which cells to change, and to what, so every hard relation holds.

Input: the linear equality relations the engine evaluated for one report (``run_rules(...,
relations=[...])``). Hard relations are those of rules whose expansion is a ``LinearRelation`` with
``==`` and whose severity in this run is ``error`` (S1, I1, I2, I3 in the shipped rules):

* a relation that **failed** (error, the difference is not 0) is a *target*: it must be made to hold;
* a relation that **holds** is a *constraint*: a change must keep it true. Blank and dash cells in it
  are fixed at 0, as read;
* a relation that is **not filled** (fails only because of a blank) or **not assessable** (missing or
  text operands, blanks under ``on_blank: skip``) or rests on decimals is left out: it neither asks for
  a change nor forbids one, and it gets no suspects.

The candidate cells are the printed numbers (``number``, ``uncertain``, ``inferred``) of the targets.
Candidates that share any relation are searched together (a *group*; independent groups — e.g. two
table-4 rows — are localised separately, and their corrections combine because the relations are
linear). In each group, sets of 1, 2, then 3 cells (``MAX_CELLS``) are tried in increasing weighted
size; a set must touch every target, and touch every constraint it touches at least twice (one
changed cell alone would break it). For each such set the linear system of every relation touching
it is solved exactly (``fractions.Fraction``, Gaussian elimination); the set is a solution when the
system has one solution, in non-negative integers (signed columns may be negative), every value
different from the printed one. Sets whose system leaves a value free are skipped: a smaller set
then explains the same relations.

All minimal solutions of a group are kept (up to ``MAX_LISTED``) and ranked: lower cost first, then
those explained by more human slips (``auditor/slips.py``) and stronger ones, then those resting on
cells read with doubt, then the cells' order in the template (table, row, column) — so the output is
deterministic. ``unique`` says whether a group has exactly one minimal solution.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Mapping, Optional

from ..policy import RunConfig
from ..present.labels import cell_label
from ..model.findings import Correction, CorrectionCell, Finding, Severity, Status, Suspect
from ..model.report import Cell, CellState, Report
from ..ruleset.expr import CellKey
from .slips import Slip, SlipContext, detect
from ..templates import TableView, resolve

MAX_CELLS = 3  # the largest set of cells searched
MAX_LISTED = 20  # alternative minimal corrections listed per group
_TABLE_ORDER = {"table2": 0, "table3": 1, "table4": 2}
_CHANGEABLE = (CellState.number, CellState.uncertain, CellState.inferred)
_DOUBT = (CellState.uncertain, CellState.inferred)
_BLANKISH = (CellState.blank, CellState.dash)
_EXCLUDED = (CellState.missing, CellState.text)

_TEXT = {
    "none": ("使全部勾稽关系成立的最少改动", "the fewest changes that make every relation hold"),
    "no_solution": (f"{MAX_CELLS} 个单元格以内的改动无法使全部勾稽关系成立",
                    f"no solution within {MAX_CELLS} cells"),
    "doubt": ("该单元格识别存疑，请先核对原件再认定报告有误",
              "the cell was read with doubt: check the source before blaming the report"),
}


def _text(name: str, lang: str) -> str:
    zh, en = _TEXT[name]
    return zh if lang == "zh" else en


# ------------------------------------------------------------------------------- relations


@dataclass
class HardRelation:
    """One hard equality as ``sum(coefs[cell] * value) + const == 0``; ``residual`` with values as read."""

    index: int
    text: str
    coefs: dict[CellKey, int | Fraction]  # exact: ints, Fractions for decimal coefficients
    residual: int | Fraction
    target: bool  # failed (must be made to hold); else a constraint (must keep holding)
    finding: Optional[Finding] = None


def _integer(cell: Cell) -> Optional[int]:
    """The cell's value as read for localisation: blanks and dashes 0; None when unusable."""
    if cell.state in _BLANKISH:
        return 0
    if cell.state in _EXCLUDED or cell.value is None:
        return None
    if cell.value != cell.value.to_integral_value():
        return None  # decimals have a tolerance: not localised
    return int(cell.value)


def _coefficient(coef) -> int | Fraction:
    if isinstance(coef, int):
        return coef
    return int(coef) if coef == coef.to_integral_value() else Fraction(coef)


def hard_relations(report: Report, evaluated: Iterable, config: RunConfig) -> list[HardRelation]:
    """The targets and constraints among the engine's ``(rule, relation, finding)`` triples."""
    evaluated = list(evaluated)
    if not any(f is not None and f.status == Status.failed and config.severity(f.code, f.severity) == Severity.error
               for _, _, f in evaluated):
        return []
    result: list[HardRelation] = []
    cells: dict[CellKey, tuple[Optional[int], CellState]] = {}
    hard: dict[str, bool] = {}
    for rule, relation, finding in evaluated:
        if relation.op != "==":
            continue
        if rule.code not in hard:
            hard[rule.code] = config.severity(rule.code, Severity(rule.severity)) == Severity.error
        if not hard[rule.code]:
            continue
        coefs: dict[CellKey, int | Fraction] = {}
        residual = _coefficient(relation.lhs_const) - _coefficient(relation.rhs_const)
        usable = True
        for side, terms in ((1, relation.lhs), (-1, relation.rhs)):
            for term in terms:
                read = cells.get(term.cell)
                if read is None:
                    cell = report.table(term.cell.table).cell(term.cell.row, term.cell.column)
                    read = cells[term.cell] = (_integer(cell), cell.state)
                value, state = read
                if value is None or (state in _BLANKISH and rule.on_blank == "skip"):
                    usable = False
                    break
                coef = _coefficient(term.coef) * side
                coefs[term.cell] = coefs.get(term.cell, 0) + coef
                residual += coef * value
            if not usable:
                break
        if not usable:
            continue
        coefs = {key: coef for key, coef in coefs.items() if coef != 0}
        if finding is None:
            if residual != 0:
                continue  # held within a tolerance: not an exact constraint
            target = False
        elif finding.status == Status.failed and config.severity(finding.code, finding.severity) == Severity.error:
            target = residual != 0  # a failure with no difference (on_blank: fail) constrains only
        else:
            continue  # not filled / not assessable: neither asks for nor forbids a change
        result.append(HardRelation(len(result), relation.text, coefs, residual, target,
                                   finding if target else None))
    return result


# ------------------------------------------------------------------------------- exact solving


def _solve(rows: list[list[Fraction]], rhs: list[Fraction], unknowns: int):
    """Solve ``rows · x = rhs`` exactly: the solution, None if inconsistent, "free" if not determined."""
    matrix = [[Fraction(x) for x in row] + [Fraction(b)] for row, b in zip(rows, rhs)]
    rank, free = 0, False
    for column in range(unknowns):
        pivot = next((i for i in range(rank, len(matrix)) if matrix[i][column] != 0), None)
        if pivot is None:
            free = True
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][column]
        matrix[rank] = [x / lead for x in matrix[rank]]
        for i in range(len(matrix)):
            if i != rank and matrix[i][column] != 0:
                factor = matrix[i][column]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[rank])]
        rank += 1
    if any(matrix[i][unknowns] != 0 for i in range(rank, len(matrix))):
        return None
    if free:
        return "free"
    return [matrix[i][unknowns] for i in range(unknowns)]


# ------------------------------------------------------------------------------- the search


@dataclass
class _Solution:
    cells: tuple[CellKey, ...]
    proposed: tuple[int, ...]
    cost: Fraction
    slips: list[Optional[Slip]] = field(default_factory=list)
    doubt: int = 0

    def score(self) -> tuple:
        strength = sum(s.strength for s in self.slips if s)
        return (self.cost, -sum(1 for s in self.slips if s), -strength, -self.doubt)


class _Locator:
    def __init__(self, report: Report, relations: list[HardRelation], weights: Mapping, lang: str):
        self.report = report
        self.relations = relations
        self.lang = lang
        self.weights = {_as_key(k): Fraction(str(v)) if isinstance(v, float) else Fraction(v)
                        for k, v in (weights or {}).items()}
        self.cells: dict[CellKey, Cell] = {}
        self._order: dict[CellKey, tuple] = {}
        self.current: dict[CellKey, int] = {}
        self.cell_relations: dict[CellKey, list[int]] = {}
        for relation in relations:
            for key in relation.coefs:
                self.cell_relations.setdefault(key, []).append(relation.index)
        self.candidates: set[CellKey] = set()
        for relation in relations:
            if relation.target:
                for key in relation.coefs:
                    cell = self.cell(key)
                    if cell.state in _CHANGEABLE and cell.value is not None:
                        self.candidates.add(key)
                        self.current[key] = int(cell.value)

    # -- template order and values

    def view(self, table: str) -> TableView:
        return resolve(self.report.template, table)

    def cell(self, key: CellKey) -> Cell:
        found = self.cells.get(key)
        if found is None:
            found = self.cells[key] = self.report.table(key.table).cell(key.row, key.column)
        return found

    def order(self, key: CellKey) -> tuple:
        """The cell's place in the template: (table, row, column) order, for deterministic output."""
        found = self._order.get(key)
        if found is None:
            view = self.view(key.table)
            rows, columns = view.row_ids, view.column_ids
            found = self._order[key] = (
                _TABLE_ORDER.get(key.table, 9), key.table,
                rows.index(key.row) if key.row in rows else len(rows), key.row,
                columns.index(key.column) if key.column in columns else len(columns), key.column)
        return found

    def weight(self, key: CellKey) -> Fraction:
        return self.weights.get(key, Fraction(1))

    def signed(self, key: CellKey) -> bool:
        view = self.view(key.table)
        column, row = view.column(key.column), view.row(key.row)
        return bool((column and column.kind == "signed") or (row and row.kind == "signed"))

    # -- groups

    def groups(self) -> list[tuple[list[CellKey], list[HardRelation]]]:
        """Candidates joined by any relation they share, with the targets they touch (template order)."""
        parent = {key: key for key in self.candidates}

        def find(key):
            while parent[key] is not key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        for relation in self.relations:
            members = [key for key in relation.coefs if key in parent]
            if len(members) > 1:
                root = find(members[0])
                for other in members[1:]:
                    other = find(other)
                    if other is not root:
                        parent[other] = root
        cells_of: dict[CellKey, list[CellKey]] = {}
        for key in self.candidates:
            cells_of.setdefault(find(key), []).append(key)
        targets_of: dict[CellKey, list[HardRelation]] = {}
        orphans = []
        for relation in self.relations:
            if relation.target:
                first = next((k for k in relation.coefs if k in parent), None)
                if first is None:
                    orphans.append(([], [relation]))
                else:
                    targets_of.setdefault(find(first), []).append(relation)
        groups = []
        for root, cells in cells_of.items():
            cells.sort(key=self.order)
            groups.append((cells, targets_of.get(root, [])))
        groups.sort(key=lambda g: self.order(g[0][0]))
        return groups + orphans

    # -- search within one group

    def search(self, cells: list[CellKey], targets: list[HardRelation]) -> list[_Solution]:
        if not cells:
            return []
        in_group = set(cells)
        target_ids = [t.index for t in targets]
        touched_relations = sorted({r for key in cells for r in self.cell_relations[key]})
        relation_cells = {r: sorted((k for k in self.relations[r].coefs if k in in_group), key=self.order)
                          for r in touched_relations}
        hits = {key: sum(1 for r in self.cell_relations[key] if self.relations[r].target) for key in cells}
        max_hits = max(hits.values())
        rank = {key: i for i, key in enumerate(cells)}
        min_weight = min(self.weight(key) for key in cells)
        evaluated: dict[frozenset, object] = {}
        solutions: list[_Solution] = []
        best: Optional[Fraction] = None

        def neighbours(chosen: tuple) -> list[CellKey]:
            found = {k for key in chosen for r in self.cell_relations[key] for k in relation_cells[r]}
            return sorted(found - set(chosen), key=rank.get)

        def branch(chosen: tuple, size: int, seen: set) -> None:
            frozen = frozenset(chosen)
            if frozen in seen:
                return
            seen.add(frozen)
            counts = Counter(r for key in chosen for r in self.cell_relations[key])
            unhit = [t for t in target_ids if t not in counts]
            item = unhit[0] if unhit else next(
                (r for r in sorted(counts) if counts[r] == 1 and not self.relations[r].target), None)
            if item is not None:
                if len(chosen) == size or len(unhit) > (size - len(chosen)) * max_hits:
                    return
                for key in relation_cells[item]:
                    if key not in frozen:
                        branch(chosen + (key,), size, seen)
                return
            if len(chosen) == size:
                evaluated[frozen] = outcome = self.evaluate(chosen)
                if isinstance(outcome, _Solution):
                    solutions.append(outcome)
            elif evaluated.get(frozen) == "inconsistent":
                for key in neighbours(chosen):
                    branch(chosen + (key,), size, seen)

        for size in range(1, MAX_CELLS + 1):
            if best is not None and size * min_weight > best:
                break
            branch((), size, set())
            if solutions:
                best = min(s.cost for s in solutions)
        if best is None:
            return []
        return [s for s in solutions if s.cost == best]

    def evaluate(self, chosen: tuple):
        keys = tuple(sorted(chosen, key=self.order))
        relation_ids = sorted({r for key in keys for r in self.cell_relations[key]})
        if len(keys) == 1:  # one cell: every relation it is in must ask for the same change
            key = keys[0]
            wanted = {Fraction(-self.relations[r].residual, self.relations[r].coefs[key]) for r in relation_ids}
            return self.accept(keys, list(wanted)) if len(wanted) == 1 else "inconsistent"
        rows = [[self.relations[r].coefs.get(key, 0) for key in keys] for r in relation_ids]
        rhs = [-self.relations[r].residual for r in relation_ids]
        deltas = _solve(rows, rhs, len(keys))
        if deltas is None:
            return "inconsistent"
        if deltas == "free":
            return "free"
        return self.accept(keys, deltas)

    def accept(self, keys: tuple, deltas: list) -> object:
        proposed = []
        for key, delta in zip(keys, deltas):
            if delta == 0 or delta.denominator != 1:
                return "invalid"
            value = self.current[key] + int(delta)
            if value < 0 and not self.signed(key):
                return "invalid"
            proposed.append(value)
        cost = sum((self.weight(key) for key in keys), Fraction(0))
        solution = _Solution(keys, tuple(proposed), cost)
        self.explain(solution)
        return solution

    def explain(self, solution: _Solution) -> None:
        changes = {key: (self.current[key], value) for key, value in zip(solution.cells, solution.proposed)}
        for key, (current, proposed) in changes.items():
            view = self.view(key.table)
            table = key.table

            def printed(row: str, column: str, table=table) -> Optional[int]:
                return _integer(self.cell(CellKey(table, row, column)))

            def corrected(row: str, column: str, table=table) -> Optional[int]:
                other = CellKey(table, row, column)
                return changes[other][1] if other in changes else printed(row, column)

            def row_label(row: str, view=view) -> str:
                spec = view.row(row)
                return (spec.zh.split(" ")[-1] if self.lang == "zh" else spec.en) if spec else row

            def column_label(column: str, view=view) -> str:
                spec = view.column(column)
                return (spec.zh if self.lang == "zh" else spec.en) if spec else column

            context = SlipContext(key, view, printed, corrected, changes, row_label, column_label)
            solution.slips.append(detect(current, proposed, context))
        solution.doubt = sum(1 for key in solution.cells if self.cell(key).state in _DOUBT)

    def rank_key(self, solution: _Solution) -> tuple:
        return solution.score() + (tuple(self.order(k) for k in solution.cells), solution.proposed)


def _as_key(key) -> CellKey:
    if isinstance(key, CellKey):
        return key
    if isinstance(key, str):
        return CellKey(*key.split("."))
    return CellKey(*key)


# ------------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class Located:
    """What locate found: the report's corrections, best first, and for each failing error finding
    (by identity) its suspects. Findings are immutable: ``with_suspects`` gives the copies that carry them."""

    corrections: list
    suspects: dict[int, tuple]

    def with_suspects(self, findings: list[Finding]) -> list[Finding]:
        return [f.model_copy(update={"suspects": self.suspects[id(f)]}) if id(f) in self.suspects else f
                for f in findings]


def locate_errors(report: Report, evaluated: Iterable, config: RunConfig,
                  weights: Optional[Mapping] = None) -> list:
    """The report's corrections, best first (``locate`` gives the findings' suspects too)."""
    return locate(report, evaluated, config, weights).corrections


def locate(report: Report, evaluated: Iterable, config: RunConfig, weights: Optional[Mapping] = None) -> Located:
    """The report's corrections, best first, and the suspects of the failing error findings.

    ``evaluated``: the ``(rule, LinearRelation, finding or None)`` triples of ``run_rules``.
    ``weights``: ``{CellKey | (table, row, column) | "table.row.column": weight}`` (default 1 each);
    when omitted, ``config.cell_weights(report)`` is used if the run configures it.
    """
    relations = hard_relations(report, evaluated, config)
    suspects: dict[int, tuple] = {}
    if not any(r.target for r in relations):
        return Located([], suspects)
    if weights is None and getattr(config, "cell_weights", None) is not None:
        weights = config.cell_weights(report)
    lang = config.lang if config.lang in ("zh", "en") else "zh"
    locator = _Locator(report, relations, weights or {}, lang)
    corrections: list[Correction] = []
    for number, (cells, targets) in enumerate(locator.groups(), start=1):
        texts = [t.text for t in targets]
        solutions = sorted(locator.search(cells, targets), key=locator.rank_key)
        if not solutions:
            corrections.append(Correction(rank=1, group=number, reason=_text("no_solution", lang),
                                          unique=False, relations=texts))
            continue
        unique = len(solutions) == 1
        top_score = solutions[0].score()
        group: list[tuple[Correction, bool]] = []
        for rank, solution in enumerate(solutions[:MAX_LISTED], start=1):
            correction = _correction(locator, solution, rank, number, unique, texts, lang)
            corrections.append(correction)
            group.append((correction, solution.score() == top_score))
        for target in targets:
            if target.finding is not None:
                suspects[id(target.finding)] = _suspects(target, group, unique, lang)
    corrections.sort(key=lambda c: (c.rank, c.group))
    return Located(corrections, suspects)


def _correction(locator: _Locator, solution: _Solution, rank: int, group: int, unique: bool,
                texts: list[str], lang: str) -> Correction:
    cells = []
    reasons: list[str] = []
    for key, proposed, slip in zip(solution.cells, solution.proposed, solution.slips):
        cell = locator.cell(key)
        doubt = cell.state in _DOUBT
        reason = slip.text(lang) if slip else ""
        if slip and reason not in reasons:
            reasons.append(reason)
        if doubt and _text("doubt", lang) not in reasons:
            reasons.append(_text("doubt", lang))
        cells.append(CorrectionCell(table=key.table, row=key.row, column=key.column,
                                    label=cell_label(key, locator.report.template, lang), current=Decimal(locator.current[key]),
                                    proposed=Decimal(proposed), reason=reason, slip=slip.code if slip else None,
                                    state=cell.state.value, check_source=doubt))
    reason = ("；" if lang == "zh" else "; ").join(reasons) or _text("none", lang)
    return Correction(rank=rank, group=group, cells=cells, reason=reason, unique=unique,
                      cost=Decimal(solution.cost.numerator) / Decimal(solution.cost.denominator),
                      relations=texts)


def _suspects(target: HardRelation, group: list[tuple[Correction, bool]], unique: bool, lang: str) -> tuple:
    """The target finding's suspects: the cells it contains of every minimal correction, best-ranked
    first. All of them change equally few cells (a real tie); ``best`` marks those that the slip
    evidence ranks first, so a reader sees both the likeliest cell and the alternatives."""
    suspects = []
    for correction, top in group:
        for cell in correction.cells:
            if CellKey(cell.table, cell.row, cell.column) not in target.coefs:
                continue
            reason = cell.reason or correction.reason
            doubt = _text("doubt", lang)
            if cell.check_source and doubt not in reason:
                reason = f"{reason}{'；' if lang == 'zh' else '; '}{doubt}"
            suspects.append(Suspect(table=cell.table, row=cell.row, column=cell.column, label=cell.label,
                                    current=int(cell.current), proposed=int(cell.proposed), reason=reason,
                                    slip=cell.slip, unique=unique, rank=correction.rank, group=correction.group,
                                    check_source=cell.check_source, best=top))
    return tuple(suspects)
