"""The expression language: parsing, expansion per template, safety limits, meta conditions."""
from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model.report import Report, TemplateGuess
from auditor.ruleset.expr import (
    MAX_DEPTH,
    MAX_LENGTH,
    CellKey,
    IntegerCheck,
    LinearRelation,
    MetaCondition,
    NotInTemplate,
    RuleError,
    Term,
    compile_expression,
    meta_from_report,
)
from auditor.templates import template_view


def resolver(template):
    return lambda table: template_view(table, template)


def expand(text, template="2019", **bindings):
    return compile_expression(text, set(bindings)).expand(bindings, resolver(template))


def cells(terms):
    return [f"{t.cell.table}.{t.cell.row}.{t.cell.column}" for t in terms]


# ------------------------------------------------------------------------------- expansion


def test_balance_for_one_column():
    relation = expand("table3.new.$column + table3.carried_over.$column == "
                      "table3.total.$column + table3.carried_forward.$column", column="legal")
    assert relation == LinearRelation(
        lhs=(Term(1, CellKey("table3", "new", "legal")), Term(1, CellKey("table3", "carried_over", "legal"))),
        lhs_const=Decimal(0),
        op="==",
        rhs=(Term(1, CellKey("table3", "total", "legal")), Term(1, CellKey("table3", "carried_forward", "legal"))),
        rhs_const=Decimal(0),
        text="table3.new.legal + table3.carried_over.legal == table3.total.legal + table3.carried_forward.legal",
    )


def test_outcome_group_follows_the_template():
    text = "table3.total.total == sum(table3.outcomes.total)"
    in_2019, in_2021 = expand(text, "2019"), expand(text, "2021")
    assert len(in_2019.rhs) == 19 and len(in_2021.rhs) == 21
    assert "table3.other.total" in cells(in_2019.rhs) and "table3.other_1.total" not in cells(in_2019.rhs)
    assert cells(in_2021.rhs)[-3:] == ["table3.other_1.total", "table3.other_2.total", "table3.other_3.total"]
    assert cells(in_2021.rhs)[:3] == ["table3.granted.total", "table3.partial.total", "table3.denied_1.total"]


def test_column_group_and_row_group_together():
    relation = expand("sum(table3.denied.legal_person) == 0")
    assert len(relation.lhs) == 8 * 5
    assert relation.lhs[0].cell == CellKey("table3", "denied_1", "commercial")
    assert relation.lhs[-1].cell == CellKey("table3", "denied_8", "other_org")


def test_coefficients_constants_and_merged_terms():
    relation = expand("2 * table4.review.upheld - (table4.review.total - 3) + table4.review.upheld"
                      " == -table4.review.pending * 0.5 + 1.25")
    assert relation.lhs == (Term(3, CellKey("table4", "review", "upheld")),
                            Term(-1, CellKey("table4", "review", "total")))
    assert relation.lhs_const == Decimal(3)
    assert relation.rhs == (Term(Decimal("-0.5"), CellKey("table4", "review", "pending")),)
    assert relation.rhs_const == Decimal("1.25")


def test_terms_that_cancel_are_dropped():
    relation = expand("table4.review.total - table4.review.total + table4.review.other >= 0")
    assert relation.lhs == (Term(1, CellKey("table4", "review", "other")),)


def test_integer_check():
    check = expand("integer(table3.$row.$column)", row="denied_3", column="research")
    assert check == IntegerCheck(CellKey("table3", "denied_3", "research"), "integer(table3.denied_3.research)")


def test_group_bound_to_a_variable_outside_sum_fails_at_expansion():
    with pytest.raises(RuleError, match="group"):
        expand("table3.$row.total >= 0", row="denied")
    assert len(expand("sum(table3.$row.total) >= 0", row="denied").lhs) == 8


def test_cell_absent_from_the_template():
    with pytest.raises(NotInTemplate, match="table3.other.total is not in the 2021 template"):
        expand("table3.other.total >= 0", "2021")
    with pytest.raises(NotInTemplate):  # in_force exists in 2021, but licensing does not carry it
        expand("table2.licensing.in_force >= 0", "2021")
    assert cells(expand("table2.licensing.decisions >= 0", "2021").lhs) == ["table2.licensing.decisions"]


def test_whitespace_is_collapsed_in_the_text():
    relation = expand("table4.review.total\n   >=   0")
    assert relation.text == "table4.review.total >= 0"


# ------------------------------------------------------------------------------- meta conditions


C5 = ("(meta.year <= 2020 and meta.template.table3 == 2019) or "
      "(meta.year >= 2021 and meta.template.table3 == 2021)")


@pytest.mark.parametrize("year, template, expected", [
    (2020, "2019", True),
    (2019, "2021", False),
    (2022, "2021", True),
    (2022, "2019", False),
    (2022, "unknown", None),
    (None, "2021", None),
    (2020, "pre-2019", False),
])
def test_template_condition(year, template, expected):
    condition = expand(C5)
    assert isinstance(condition, MetaCondition)
    assert condition.evaluate({"meta.year": year, "meta.template.table3": template}) is expected


def test_condition_three_valued_logic_and_zero_as_unknown():
    assert expand("meta.year >= 2021 or meta.template.table2 == 2021").evaluate({"meta.year": 2022}) is True
    assert expand("meta.year >= 2021 and meta.template.table2 == 2021").evaluate({"meta.year": 2020}) is False
    assert expand("not meta.year >= 2021").evaluate({}) is None
    assert expand("meta.template.table2 == 0").evaluate({"meta.template.table2": "unknown"}) is True
    assert expand("meta.template.table2 != 0").evaluate({"meta.template.table2": "2019"}) is True
    assert expand("2021 <= meta.year").evaluate({"meta.year": 2021}) is True


def test_meta_from_report():
    report = Report(file="r.txt", year=2021, template=TemplateGuess(table2="2019", table3="2021"))
    assert meta_from_report(report) == {"meta.year": 2021, "meta.template.table2": "2019",
                                        "meta.template.table3": "2021", "meta.template_for_year": "2021"}
    assert expand(C5).evaluate(meta_from_report(report)) is True


@pytest.mark.parametrize("year, table3, expected", [
    (2019, "2019", True), (2020, "2021", False), (2024, "2021", True), (2017, "pre-2019", True),
    (None, "2021", None), (2022, "unknown", None),
])
def test_a_condition_compares_two_meta_names(year, table3, expected):
    """``meta.template.table3 == meta.template_for_year``: the years come from templates.yaml; unknown
    when either side is."""
    report = Report(file="r.txt", year=year, template=TemplateGuess(table3=table3))
    condition = expand("meta.template.table3 == meta.template_for_year")
    assert condition.evaluate(meta_from_report(report)) is expected


# ------------------------------------------------------------------------------- rejected input


@pytest.mark.parametrize("text, message, code", [
    ("__import__('os')", "'__import__' is Python", "RULE-FORBIDDEN"),
    ("__import__(os)", "'__import__' is Python", "RULE-FORBIDDEN"),
    ("a.__class__", "'__class__' is Python", "RULE-FORBIDDEN"),
    ("table3.new.__class__ >= 0", "'__class__' is Python", "RULE-FORBIDDEN"),
    ("().__class__.__bases__", "'__class__' is Python", "RULE-FORBIDDEN"),
    ("2**99999", "power operator", "RULE-FORBIDDEN"),
    ("9**9**9", "power operator", "RULE-FORBIDDEN"),
    ("'a'*10**9", "no strings", "RULE-FORBIDDEN"),
    ("lambda: 1", "'lambda' is Python", "RULE-FORBIDDEN"),
    ("import os", "'import' is Python", "RULE-FORBIDDEN"),
    ("table3.new.total[0] >= 0", "no indexing", "RULE-FORBIDDEN"),
    ("(" * 40 + "table3.new.total" + ")" * 40 + " >= 0", "nested deeper", "RULE-TOO-COMPLEX"),
    ("-" * 40 + "table3.new.total >= 0", "nested deeper", "RULE-TOO-COMPLEX"),
    ("not " * 40 + "meta.year == 2020", "nested deeper", "RULE-TOO-COMPLEX"),
    ("max(table3.new.total, 1) >= 0", "unknown function 'max'", "RULE-FORBIDDEN"),
    ("table3.nonsense.total >= 0", "unknown row 'nonsense'", "RULE-EXPRESSION"),
    ("table3.total.nonsense >= 0", "unknown column 'nonsense'", "RULE-EXPRESSION"),
    ("table9.new.total >= 0", "unknown name", "RULE-EXPRESSION"),
    ("table3.new >= 0", "TABLE.ROW.COLUMN", "RULE-EXPRESSION"),
    ("table3.$row.total >= 0", "unbound variable $row", "RULE-EXPRESSION"),
    ("$row.new.total >= 0", "variable", "RULE-EXPRESSION"),
    ("table3.denied.total >= 0", "group", "RULE-EXPRESSION"),
    ("integer(table3.denied.total)", "group", "RULE-EXPRESSION"),
    ("integer(table3.new.total, table3.new.legal)", "one cell", "RULE-EXPRESSION"),
    ("table3.new.total * table3.new.legal == 0", "linear", "RULE-EXPRESSION"),
    ("table3.new.total / 2 == 0", "no division", "RULE-FORBIDDEN"),
    ("table3.new.total = 0", "==", "RULE-EXPRESSION"),
    ("0 <= table3.new.total <= 9", "one comparison", "RULE-EXPRESSION"),
    ("table3.new.total", "comparison", "RULE-EXPRESSION"),
    ("table3.new.total >= 0 and table3.new.legal >= 0", "meta", "RULE-EXPRESSION"),
    ("meta.year == table3.new.total", "meta", "RULE-EXPRESSION"),
    ("meta.colour == 1", "unknown name 'meta.colour'", "RULE-EXPRESSION"),
    ("meta.year + 1 == 2021", "meta name with a number", "RULE-EXPRESSION"),
    ("1 == 1", "no cell", "RULE-EXPRESSION"),
    ("1" * 31 + " == table3.new.total", "30 digits", "RULE-TOO-COMPLEX"),
    ("sum() == 0", "unexpected ')'", "RULE-EXPRESSION"),
    ("", "unexpected the end", "RULE-EXPRESSION"),
    ("table3.new.total >= 0 )", "unexpected ')'", "RULE-EXPRESSION"),
])
def test_hostile_or_wrong_expressions_are_rule_errors(text, message, code):
    with pytest.raises(RuleError, match=re.escape(message)) as caught:
        compile_expression(text, set())
    assert caught.value.code == code
    assert caught.value.message_zh and caught.value.message_zh != caught.value.message_en
    assert ("at column" in caught.value.message_en) == ("列）" in caught.value.message_zh)


def test_limits_are_exact():
    compile_expression("(" * MAX_DEPTH + "table3.new.total" + ")" * MAX_DEPTH + " >= 0")
    compile_expression("1" * 30 + " >= table3.new.total")
    padded = "table3.new.total >= 0" + " " * (MAX_LENGTH - len("table3.new.total >= 0"))
    compile_expression(padded)
    with pytest.raises(RuleError, match="at most 2000"):
        compile_expression(padded + " ")


def test_at_most_500_terms_after_expansion():
    three = "sum(" + ", ".join(["table3.all.applicants"] * 3) + ") >= 0"  # 3 * 23 rows * 6 = 414
    assert len(expand(three).lhs) == 138  # the same cells, merged
    four = "sum(" + ", ".join(["table3.all.applicants"] * 4) + ") >= 0"  # 552
    with pytest.raises(RuleError, match="more than 500 terms"):
        expand(four)


def test_rule_error_text():
    assert str(RuleError("RULE-VALUE", "坏", "bad", "rules/a.yaml", 7)) == "rules/a.yaml:7: bad"
    assert RuleError("RULE-VALUE", "坏", "bad", "rules/a.yaml", 7).text("zh") == "rules/a.yaml:7: 坏"
    assert str(RuleError("RULE-VALUE", "坏", "bad", "rules/a.yaml")) == "rules/a.yaml: bad"
    assert str(RuleError("RULE-VALUE", "坏", "bad")) == "bad"
    assert str(RuleError("RULE-VALUE", "坏", "bad", line=3).located("b.yaml", 9)) == "b.yaml:3: bad"
    assert RuleError("RULE-VALUE", "坏", "bad").message == "bad"
    with pytest.raises(ValueError):
        RuleError("bad-value", "坏", "bad")  # only catalogue codes
    import pickle
    error = pickle.loads(pickle.dumps(RuleError("RULE-SYNTAX", "坏", "bad", "a.yaml", 3)))
    assert (error.code, error.message_zh, error.text("en")) == ("RULE-SYNTAX", "坏", "a.yaml:3: bad")
    with pytest.raises(RuleError) as caught:
        compile_expression("table3.new.total >= 0 + ")
    assert "at column 25" in str(caught.value)


# ------------------------------------------------------------------------------- properties

# Cells and groups that exist in both templates, so a generated expression expands in both.
_CELLS = ([f"table3.{r}.{c}" for r in ("new", "carried_over", "granted", "denied_2", "total")
           for c in ("natural_person", "legal", "total")]
          + [f"table4.{r}.{c}" for r in ("review", "litigation_direct") for c in ("upheld", "total")])
_GROUP_SUMS = ["sum(table3.denied.total)", "sum(table3.outcomes.legal)", "sum(table3.new.applicants)",
               "sum(table4.litigation.parts)"]
_NUMBERS = st.one_of(st.integers(0, 10**6).map(str),
                     st.decimals(0, 1000, places=2, allow_nan=False, allow_infinity=False).map(str))


def _leaf():
    cell = st.sampled_from(_CELLS).map(lambda text: (text, ("cell", text)))
    group = st.sampled_from(_GROUP_SUMS).map(lambda text: (text, ("group", text)))
    number = _NUMBERS.map(lambda text: (text, ("number", Decimal(text))))
    return st.one_of(cell, group, number)


def _extend(children):
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: (f"({p[0][0]}) + ({p[1][0]})", ("+", p[0][1], p[1][1]))),
        pair.map(lambda p: (f"({p[0][0]}) - ({p[1][0]})", ("-", p[0][1], p[1][1]))),
        children.map(lambda c: (f"-({c[0]})", ("neg", c[1]))),
        st.tuples(st.integers(0, 99), children).map(
            lambda p: (f"{p[0]} * ({p[1][0]})", ("*", Decimal(p[0]), p[1][1]))),
    )


_LINEAR = st.recursive(_leaf(), _extend, max_leaves=12)


def _reference(tree, value, template):
    """What the expression means, computed directly from the generated tree."""
    kind = tree[0]
    if kind == "number":
        return tree[1]
    if kind == "cell":
        return value(CellKey(*tree[1].split(".")))
    if kind == "group":
        table, row, column = tree[1][4:-1].split(".")
        view = template_view(table, template)
        rows = view.row_groups.get(row, (row,))
        columns = view.column_groups.get(column, (column,))
        return sum((value(CellKey(table, r, c)) for r in rows for c in columns), Decimal(0))
    if kind == "neg":
        return -_reference(tree[1], value, template)
    if kind == "*":
        return tree[1] * _reference(tree[2], value, template)
    left, right = _reference(tree[1], value, template), _reference(tree[2], value, template)
    return left + right if kind == "+" else left - right


def _side(terms, const, value):
    return sum((term.coef * value(term.cell) for term in terms), const)


@settings(max_examples=200, deadline=None)
@given(_LINEAR, _LINEAR, st.sampled_from(["==", "!=", "<=", ">=", "<", ">"]), st.integers(0, 2**32))
def test_linear_expressions_expand_to_what_they_mean(lhs, rhs, op, seed):
    text = f"{lhs[0]} {op} {rhs[0]}"
    if "table" not in text:  # numbers only: not a relation over cells
        with pytest.raises(RuleError, match="no cell"):
            compile_expression(text)
        return
    compiled = compile_expression(text, set())
    values: dict[CellKey, Decimal] = {}
    rng = random.Random(seed)

    def value(cell):
        return values.setdefault(cell, Decimal(rng.randint(-1000, 1000)))

    for template in ("2019", "2021"):
        relation = compiled.expand({}, resolver(template))
        assert isinstance(relation, LinearRelation) and relation.op == op
        assert _side(relation.lhs, relation.lhs_const, value) == _reference(lhs[1], value, template)
        assert _side(relation.rhs, relation.rhs_const, value) == _reference(rhs[1], value, template)


_VOCABULARY = ["table3", "table4", "table2", ".", "new", "total", "denied", "applicants", "outcomes",
               "$row", "$column", "(", ")", "+", "-", "*", "**", "/", "==", "<=", ">", "!=", "=", ",",
               "sum", "integer", "meta", "year", "template", "and", "or", "not", "0", "1.5", "2019",
               "'", "x", "__class__", "$", "9" * 40]


def _compile_and_expand(text):
    try:
        compiled = compile_expression(text)
        for template in ("2019", "2021"):
            compiled.expand({"row": "new", "column": "total"}, resolver(template))
    except RuleError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_text_raises_only_rule_errors(text):
    _compile_and_expand(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_VOCABULARY), max_size=40), st.sampled_from(["", " "]))
def test_random_token_soup_raises_only_rule_errors(tokens, separator):
    _compile_and_expand(separator.join(tokens))
