"""Consistency of a rule set's linear equalities: contradictory and redundant rules (a rank test).

Every rule whose expression is a linear equality is expanded in each national template; each
instance is a row ``a · x = b`` over the template's cells. Exact elimination (``fractions``) over
those rows finds:

* **contradictory** — an instance that the rules before it already imply with a *different*
  constant (the system is inconsistent: rank ``[A | b]`` > rank ``A``). No report can satisfy the
  rule set; the later rule is named.
* **redundant** — a rule whose *every* instance (in every template where it has one) lies in the
  span of the *other* rules' instances: it can never fail unless another rule fails too.

The shipped rules are partly dependent by design (S1, I1 and I2 together: S1 of the 总计 column
follows from S1 of the six applicant columns and I1, and so on), but no shipped rule is redundant
as a whole. ``check_consistency`` reports only on the rules it is asked to check, against a
*context* (the shipped rules, when linting a user's file), so the shipped set itself lints clean;
``dependent_instances`` lists the dependent instances of a set, as a note.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Optional, Sequence

from ..templates import covers, template_ids, template_view
from .errors import RULE_TOO_COMPLEX
from .expr import CellKey, LinearRelation, RuleError

# Work limits of the test (a hostile rule set must not keep lint busy for minutes): linear equalities
# in all, over every template, and rules tested for redundancy times those equalities.
MAX_EQUATIONS = 2_000
MAX_REDUNDANCY_WORK = 60_000

_Vector = dict[CellKey, Fraction]


@dataclass(frozen=True)
class Inconsistency:
    kind: str  # "contradictory" | "redundant"
    rule: object  # loader.Rule
    template: str
    instance: str  # the instance as written, variables bound
    message: str  # English
    message_zh: str = ""


def _order(key: CellKey) -> tuple[str, str, str]:
    return (key.table, key.row, key.column)


class Span:
    """Row-echelon basis of linear equations ``vector · x = constant``, exact."""

    def __init__(self) -> None:
        self.rows: dict[CellKey, tuple[_Vector, Fraction]] = {}  # pivot (smallest cell) -> row

    def reduce(self, vector: _Vector, constant: Fraction) -> tuple[_Vector, Fraction]:
        """What is left of the equation once the basis is subtracted: ({}, c) when implied (c: the gap)."""
        vector = dict(vector)
        while vector:
            pivot = min(vector, key=_order)
            row = self.rows.get(pivot)
            if row is None:
                break
            factor = vector[pivot] / row[0][pivot]
            for key, coef in row[0].items():
                value = vector.get(key, Fraction(0)) - factor * coef
                if value:
                    vector[key] = value
                else:
                    vector.pop(key, None)
            constant -= factor * row[1]
        return vector, constant

    def add(self, vector: _Vector, constant: Fraction) -> tuple[_Vector, Fraction]:
        """Add the equation; returns its reduced form (empty vector: it was already implied)."""
        vector, constant = self.reduce(vector, constant)
        if vector:
            self.rows[min(vector, key=_order)] = (vector, constant)
        return vector, constant


def _equations(rule, template: str) -> list[tuple[str, _Vector, Fraction]]:
    """The rule's linear equalities in one template as (text, coefficients, constant)."""
    def resolver(table: str):
        return template_view(table, template)
    found = []
    if not covers(rule.templates, template):
        return found
    for _, instance in rule.instances(resolver):
        if not isinstance(instance, LinearRelation) or instance.op != "==":
            continue
        vector: _Vector = {}
        for side, terms in ((1, instance.lhs), (-1, instance.rhs)):
            for term in terms:
                vector[term.cell] = vector.get(term.cell, Fraction(0)) + side * Fraction(term.coef)
        vector = {key: coef for key, coef in vector.items() if coef}
        constant = Fraction(instance.rhs_const) - Fraction(instance.lhs_const)
        found.append((instance.text, vector, constant))
    return found


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def check_consistency(rules: Sequence, context: Sequence = ()) -> list[Inconsistency]:
    """Contradictory and redundant rules among ``rules``, checked together with ``context``.

    ``context`` rules (e.g. the shipped set) count in every test but are never reported. A
    contradiction is reported on the first checked rule whose instance clashes with what comes
    before it (context first, then ``rules`` in order); a rule is redundant when it has linear
    equalities and all of them, in every template, follow from all the other rules.
    """
    everything = list(context) + list(rules)
    checked = {id(rule) for rule in rules}
    found: list[Inconsistency] = []
    contradictory: set[int] = set()
    implied: dict[int, list[tuple[str, str]]] = {id(rule): [] for rule in rules}  # (template, example)
    independent: set[int] = set()  # rules with an instance the others do not imply
    per_template: dict[str, dict[int, list]] = {template: {} for template in template_ids()}
    total = 0
    for template in template_ids():
        for rule in everything:
            per_template[template][id(rule)] = _equations(rule, template)
            total += len(per_template[template][id(rule)])
            if total > MAX_EQUATIONS:
                break
    tested = sum(1 for rule in rules if any(equations.get(id(rule)) for equations in per_template.values()))
    if total > MAX_EQUATIONS or tested * total > MAX_REDUNDANCY_WORK:
        raise RuleError(RULE_TOO_COMPLEX,
                        f"线性等式过多（{tested} 条规则，共 {total} 个等式），未检查规则之间是否矛盾或多余",
                        f"too many linear equalities ({tested} rules, {total} equalities in all): the rules "
                        "were not checked for contradictions and redundancy")
    for template in template_ids():
        equations = per_template[template]
        span = Span()
        for rule in everything:
            for text, vector, constant in equations[id(rule)]:
                rest, gap = span.add(vector, constant)
                if not rest and gap and id(rule) in checked and id(rule) not in contradictory:
                    contradictory.add(id(rule))
                    found.append(Inconsistency(
                        "contradictory", rule, template, text,
                        f"in the {template} template `{text}` contradicts the other linear "
                        f"rules, which imply the same sum with a constant differing by {_number(gap)}",
                        f"在 {template} 模板中 `{text}` 与其他线性规则矛盾：它们推出同一个和，"
                        f"但常数相差 {_number(gap)}"))
        for rule in rules:
            mine = equations[id(rule)]
            if not mine or id(rule) in contradictory or id(rule) in independent:
                continue
            others = Span()
            for other in everything:
                if other is not rule:
                    for _, vector, constant in equations[id(other)]:
                        others.add(vector, constant)
            if all(others.reduce(vector, constant) == ({}, 0) for _, vector, constant in mine):
                implied[id(rule)].append((template, mine[0][0]))
            else:
                independent.add(id(rule))
    for rule in rules:
        hits = implied[id(rule)]
        if hits and id(rule) not in independent and id(rule) not in contradictory:
            templates = ", ".join(template for template, _ in hits)
            found.append(Inconsistency(
                "redundant", rule, hits[0][0], hits[0][1],
                f"every instance of {rule.code} follows from the other linear rules "
                f"({templates} template; e.g. `{hits[0][1]}`)",
                f"{rule.code} 的每个实例都可由其他线性规则推出（{templates} 模板；例如 `{hits[0][1]}`）"))
    return found


def dependent_instances(rules: Iterable, template: str = "2021") -> list[tuple[str, str]]:
    """(rule code, instance) of every linear equality implied by those before it — a note, not a fault."""
    span = Span()
    notes = []
    for rule in rules:
        for text, vector, constant in _equations(rule, template):
            rest, _ = span.add(vector, constant)
            if not rest:
                notes.append((rule.code, text))
    return notes


def shipped_context(rules: Sequence, shipped: Optional[Sequence] = None) -> tuple[list, list]:
    """Split ``rules`` into (to check, context): rules from the shipped files are context, and the
    shipped rules not among ``rules`` (by code) are added to the context, since a run loads them too."""
    from .loader import default_rule_paths, load_default_rules  # loader imports this module
    shipped_files = {str(path.resolve()) for path in default_rule_paths()}
    mine = [rule for rule in rules if str(Path(rule.file).resolve()) not in shipped_files]
    context = [rule for rule in rules if str(Path(rule.file).resolve()) in shipped_files]
    if shipped is None:
        try:
            shipped = load_default_rules()
        except Exception:  # a broken shipped file is reported when it is linted itself
            shipped = []
    codes = {rule.code for rule in rules}
    context = [rule for rule in shipped if rule.code not in codes] + context
    return mine, context
