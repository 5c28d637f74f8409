"""`auditor rules lint` also checks the linear equalities of a rule set: contradictory and redundant
rules (auditor/ruleset/consistency.py, a rank test), so a user's added rules cannot silently conflict."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from click.testing import CliRunner

from auditor.cli.main import main
from auditor.ruleset import default_rule_paths, load_default_rules, load_rule_files
from auditor.lint import lint_rule_files
from auditor.ruleset.consistency import Span, check_consistency, dependent_instances
from auditor.ruleset.expr import CellKey

ROOT = Path(__file__).resolve().parents[1]


def rule(code: str, expr: str, extra: str = "") -> str:
    return (f"  - code: {code}\n    name: user.{code.lower().replace('-', '_')}\n"
            f"    title: {{zh: 测试, en: test}}\n    severity: error\n{extra}    expr: {expr}\n")


def write(tmp_path: Path, *rules: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text("rules:\n" + "".join(rules), encoding="utf-8")
    return path


def test_the_shipped_rules_lint_clean_though_some_instances_depend_on_others():
    assert lint_rule_files(default_rule_paths()) == []
    assert CliRunner().invoke(main, ["rules", "lint", str(ROOT / "rules" / "checks")]).exit_code == 0
    # S1, I1 and I2 together are dependent (a note, not a fault): the 结转下年度 row sum and the
    # 总计 column of I2 follow from the rest.
    for template in ("2019", "2021"):
        assert dependent_instances(load_default_rules(), template) == [
            ("T3-ROW-TOTAL", "table3.carried_forward.total == sum(table3.carried_forward.applicants)"),
            ("T3-OUTCOME-TOTAL", "table3.total.total == sum(table3.outcomes.total)")]
    # ... yet no shipped rule is redundant as a whole
    shipped = load_default_rules()
    assert check_consistency(shipped) == []


def test_a_users_rule_that_adds_a_new_constraint_is_fine(tmp_path):
    path = write(tmp_path, rule("USER-NEW-EQ-TOTAL", "table3.new.total == table3.total.total"),
                 rule("USER-LE", "table3.granted.total <= table3.new.total"))
    assert lint_rule_files([path]) == []


def test_redundant_rules_are_reported_with_file_and_line(tmp_path):
    path = write(tmp_path,
                 rule("USER-FINE", "table3.new.total == table3.total.total"),
                 rule("USER-BALANCE-AGAIN", "table3.new.$column + table3.carried_over.$column == "
                      "table3.total.$column + table3.carried_forward.$column", "    for_each: {column: table3.columns}\n"),
                 rule("USER-TOTAL-BALANCE", "table3.new.total + table3.carried_over.total == "
                      "table3.total.total + table3.carried_forward.total"))
    messages = lint_rule_files([path])
    assert [(m.line, m.code, m.severity) for m in messages] == [(7, "RULE-REDUNDANT", "warning"),
                                                                (13, "RULE-REDUNDANT", "warning")]
    assert messages[0].message.startswith("every instance of USER-BALANCE-AGAIN follows from the "
                                          "other linear rules (2019, 2021 template;")
    # the shipped TOML example restates S1 with another code: redundant too
    toml, = lint_rule_files([ROOT / "tests" / "fixtures" / "rules" / "good.toml"])
    assert (toml.line, toml.code) == (2, "RULE-REDUNDANT") and "TOML-BALANCE" in toml.message


def test_contradictory_rules_are_errors(tmp_path):
    path = write(tmp_path, rule("USER-OFF-BY-ONE", "table3.new.total == sum(table3.new.applicants) + 1"),
                 rule("USER-ZERO", "table4.review.total == 0"),
                 rule("USER-ONE", "table4.review.total == 1"))
    messages = lint_rule_files([path])
    assert [(m.line, m.code, m.severity) for m in messages] == [(2, "RULE-CONTRADICTION", "error"),
                                                                (12, "RULE-CONTRADICTION", "error")]
    assert "differing by 1" in messages[0].message and "`table4.review.total == 1`" in messages[1].message
    result = CliRunner().invoke(main, ["rules", "lint", str(path)])
    assert result.exit_code == 2
    assert f"错误[RULE-CONTRADICTION]：{path}:2: 在 2019 模板中" in result.output
    assert f"错误[RULE-CONTRADICTION]：{path}:12:" in result.output
    english = CliRunner().invoke(main, ["rules", "lint", "--lang", "en", str(path)]).output
    assert f"error[RULE-CONTRADICTION]: {path}:2: in the 2019 template" in english


def test_the_rules_that_load_are_checked_for_consistency_even_when_another_does_not(tmp_path):
    # one lint run reports everything: the broken rule and the contradiction among the others
    path = write(tmp_path, rule("USER-ZERO", "table4.review.total == 0"), rule("USER-ONE", "table4.review.total == 1"),
                 rule("USER-BAD", "table3.nonsense.total == 0"))
    assert [m.code for m in lint_rule_files([path])] == ["RULE-EXPRESSION", "RULE-CONTRADICTION"]


def test_check_consistency_directly(tmp_path):
    path = write(tmp_path, rule("USER-A", "table4.review.upheld == table4.review.corrected"),
                 rule("USER-B", "table4.review.corrected == table4.review.other"),
                 rule("USER-C", "table4.review.upheld == table4.review.other"))
    mine = load_rule_files([path])
    found = check_consistency(mine)  # no context: the three rules alone
    # each of A, B, C follows from the other two: all are redundant (remove any one of them)
    assert [(f.kind, f.rule.code) for f in found] == [("redundant", "USER-A"), ("redundant", "USER-B"),
                                                      ("redundant", "USER-C")]
    assert check_consistency(mine[:2]) == []


def test_span_is_exact():
    a, b, c = (CellKey("table4", "review", column) for column in ("upheld", "corrected", "total"))
    span = Span()
    assert span.add({a: Fraction(1), b: Fraction(1), c: Fraction(-1)}, Fraction(0))[0]
    assert span.add({a: Fraction(1, 3)}, Fraction(2))[0]
    # implied: b - c = -6 follows from a + b - c = 0 and a = 6
    assert span.reduce({b: Fraction(1), c: Fraction(-1)}, Fraction(-6)) == ({}, 0)
    assert span.reduce({b: Fraction(1), c: Fraction(-1)}, Fraction(-5)) == ({}, Fraction(1))
    rest, _ = span.reduce({b: Fraction(1)}, Fraction(0))
    assert rest
