"""Rule files: the shipped rules and how they expand, validation, file:line errors, lint."""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.ruleset import CellKey, IntegerCheck, LinearRelation, LintMessage, MetaCondition, RuleError, Term, load_default_rules, load_rule_files
from auditor.lint import lint_rule_files
from auditor.templates import template_view

FIXTURES = Path(__file__).parent / "fixtures" / "rules"

SHIPPED_CODES = {
    "T3-BALANCE", "T3-ROW-TOTAL", "T3-OUTCOME-TOTAL", "T3-NONNEGATIVE", "T3-INTEGER",
    "T4-GROUP-TOTAL", "T4-NONNEGATIVE", "T4-INTEGER",
    "T2-PUBLISHED-LE-TOTAL", "T2-ITEMS-NONNEGATIVE", "T2-ISSUED-LE-IN-FORCE", "T2-NONNEGATIVE",
    "TPL-TABLE3-YEAR", "TPL-TABLE2-YEAR",
}


@pytest.fixture(scope="module")
def shipped():
    return {rule.code: rule for rule in load_default_rules()}


def resolver(template, **per_table):
    return lambda table: template_view(table, per_table.get(table, template))


def instances(rule, template):
    return rule.instances(resolver(template))


def cell_names(terms):
    return [str(term.cell) for term in terms]


def write(tmp_path, text, name="rules.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rule_yaml(expr, extra=""):
    return ("rules:\n"
            "  - code: TEST-RULE\n"
            "    name: test.rule\n"
            "    title: {zh: 测试, en: test}\n"
            "    severity: error\n"
            f"    expr: {expr}\n" + extra)


# ------------------------------------------------------------------------------- shipped rules


def test_shipped_codes_are_exactly_these(shipped):
    assert set(shipped) == SHIPPED_CODES
    assert len(load_default_rules()) == len(SHIPPED_CODES)
    for rule in shipped.values():
        assert rule.title_zh and rule.title_en and rule.line
        assert Path(rule.file).parent.name == "checks"


def test_shipped_rule_metadata(shipped):
    balance = shipped["T3-BALANCE"]
    assert (balance.name, balance.relation, balance.severity) == ("table3.balance", "S1", "error")
    assert (balance.on_blank, balance.on_missing, balance.tolerance) == ("flag", "skip", "printed")
    assert balance.templates == ("2019", "2021") and balance.tables == ("table3",)
    assert shipped["T2-ISSUED-LE-IN-FORCE"].severity == "review"
    assert shipped["T2-ISSUED-LE-IN-FORCE"].templates == ("2021",)
    assert shipped["T2-PUBLISHED-LE-TOTAL"].severity == "warning"
    assert shipped["TPL-TABLE3-YEAR"].on_missing == "skip"
    with pytest.raises(dataclasses.FrozenInstanceError):
        balance.severity = "info"


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_t3_balance(shipped, template):
    found = instances(shipped["T3-BALANCE"], template)
    assert [bindings["column"] for bindings, _ in found] == [
        "natural_person", "commercial", "research", "social", "legal", "other_org", "total"]
    bindings, relation = found[-1]
    assert relation == LinearRelation(
        lhs=(Term(1, CellKey("table3", "new", "total")), Term(1, CellKey("table3", "carried_over", "total"))),
        lhs_const=Decimal(0), op="==",
        rhs=(Term(1, CellKey("table3", "total", "total")), Term(1, CellKey("table3", "carried_forward", "total"))),
        rhs_const=Decimal(0),
        text="table3.new.total + table3.carried_over.total == table3.total.total + table3.carried_forward.total")


@pytest.mark.parametrize("template, leaves", [("2019", 19), ("2021", 21)])
def test_t3_outcome_total(shipped, template, leaves):
    found = instances(shipped["T3-OUTCOME-TOTAL"], template)
    assert len(found) == 7
    for bindings, relation in found:
        assert cell_names(relation.lhs) == [f"table3.total.{bindings['column']}"]
        assert len(relation.rhs) == leaves
        assert all(term.coef == 1 and term.cell.column == bindings["column"] for term in relation.rhs)


@pytest.mark.parametrize("template, rows", [("2019", 23), ("2021", 25)])
def test_t3_row_total(shipped, template, rows):
    found = instances(shipped["T3-ROW-TOTAL"], template)
    assert len(found) == rows
    bindings, relation = found[0]
    assert bindings == {"row": "new"}
    assert cell_names(relation.lhs) == ["table3.new.total"]
    assert cell_names(relation.rhs) == ["table3.new.natural_person", "table3.new.commercial",
                                        "table3.new.research", "table3.new.social", "table3.new.legal",
                                        "table3.new.other_org"]


@pytest.mark.parametrize("template, rows", [("2019", 23), ("2021", 25)])
def test_t3_nonnegative_and_integer(shipped, template, rows):
    nonnegative = instances(shipped["T3-NONNEGATIVE"], template)
    integer = instances(shipped["T3-INTEGER"], template)
    assert len(nonnegative) == len(integer) == rows * 7
    _, relation = nonnegative[0]
    assert relation.text == "table3.new.natural_person >= 0"
    assert (relation.op, relation.rhs, relation.rhs_const) == (">=", (), Decimal(0))
    assert integer[-1][1] == IntegerCheck(CellKey("table3", "carried_forward", "total"),
                                          "integer(table3.carried_forward.total)")


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_table4_rules(shipped, template):
    groups = instances(shipped["T4-GROUP-TOTAL"], template)
    assert [b["row"] for b, _ in groups] == ["review", "litigation_direct", "litigation_after_review"]
    assert cell_names(groups[1][1].rhs) == ["table4.litigation_direct.upheld", "table4.litigation_direct.corrected",
                                            "table4.litigation_direct.other", "table4.litigation_direct.pending"]
    assert len(instances(shipped["T4-NONNEGATIVE"], template)) == 15
    assert len(instances(shipped["T4-INTEGER"], template)) == 15


def test_table2_soft_rules_follow_their_template(shipped):
    published = instances(shipped["T2-PUBLISHED-LE-TOTAL"], "2019")
    assert [r.text for _, r in published] == [
        "table2.regulations.published <= table2.regulations.public_total",
        "table2.normative_documents.published <= table2.normative_documents.public_total"]
    assert instances(shipped["T2-PUBLISHED-LE-TOTAL"], "2021") == []
    items = instances(shipped["T2-ITEMS-NONNEGATIVE"], "2019")
    assert [b["row"] for b, _ in items] == ["licensing", "other_services", "punishment", "enforcement", "fees"]
    assert cell_names(items[0][1].lhs) == ["table2.licensing.previous_items", "table2.licensing.change"]
    assert instances(shipped["T2-ISSUED-LE-IN-FORCE"], "2019") == []
    assert [r.text for _, r in instances(shipped["T2-ISSUED-LE-IN-FORCE"], "2021")] == [
        "table2.regulations.issued <= table2.regulations.in_force",
        "table2.normative_documents.issued <= table2.normative_documents.in_force"]


def test_table2_nonnegative_checks_the_counts_the_layout_has(shipped):
    in_2019 = [r.lhs[0].cell for _, r in instances(shipped["T2-NONNEGATIVE"], "2019")]
    in_2021 = [r.lhs[0].cell for _, r in instances(shipped["T2-NONNEGATIVE"], "2021")]
    assert len(in_2019) == 16 and len(in_2021) == 9
    assert {c.column for c in in_2019} == {"made", "published", "public_total", "previous_items",
                                           "decisions", "purchase_items"}
    assert {c.column for c in in_2021} == {"issued", "repealed", "in_force", "decisions"}
    assert CellKey("table2", "fees", "previous_items") in in_2019
    assert CellKey("table2", "fees", "decisions") not in in_2019  # fees has no decisions column
    assert CellKey("table2", "other_services", "decisions") not in in_2021  # row absent in 2021


def test_a_hybrid_report_uses_each_tables_template(shipped):
    hybrid = resolver("2021", table2="2019")
    assert len(shipped["T2-PUBLISHED-LE-TOTAL"].instances(hybrid)) == 2
    assert len(shipped["T3-OUTCOME-TOTAL"].instances(hybrid)[0][1].rhs) == 21


@pytest.mark.parametrize("code, table", [("TPL-TABLE3-YEAR", "table3"), ("TPL-TABLE2-YEAR", "table2")])
@pytest.mark.parametrize("year, template, expected", [
    (2019, "2019", True), (2020, "2021", False), (2021, "2021", True), (2023, "2019", False),
    (2017, "pre-2019", True), (2020, "pre-2019", False), (2022, "unknown", None), (None, "2021", None),
])
def test_template_year_rules(shipped, code, table, year, template, expected):
    (bindings, condition), = instances(shipped[code], "2021")
    assert bindings == {} and isinstance(condition, MetaCondition)
    from auditor.templates import template_for_year

    meta = {"meta.year": year, f"meta.template.{table}": template, "meta.template_for_year": template_for_year(year)}
    assert condition.evaluate(meta) is expected


# ------------------------------------------------------------------------------- other formats


def test_toml_rules_load_with_lines():
    balance, unable = load_rule_files([FIXTURES / "good.toml"])
    assert (balance.code, balance.line, balance.severity, balance.tolerance) == ("TOML-BALANCE", 2, "warning", "exact")
    assert len(balance.instances(resolver("2019"))) == 7
    assert (unable.code, unable.line, unable.templates) == ("TOML-UNABLE", 12, ("2021",))
    assert unable.instances(resolver("2019")) == []
    (_, relation), = unable.instances(resolver("2021"))
    assert cell_names(relation.lhs) == ["table3.unable_1.total", "table3.unable_2.total", "table3.unable_3.total"]


def test_toml_errors_have_lines():
    with pytest.raises(RuleError) as caught:
        load_rule_files([FIXTURES / "bad_syntax.toml"])
    assert (caught.value.line, caught.value.code) == (5, "RULE-SYNTAX")
    assert lint_rule_files([FIXTURES / "bad_key.toml"]) == [LintMessage(
        str(FIXTURES / "bad_key.toml"), 14, "RULE-VALUE",
        "`on_blank` must be one of flag, zero, skip, fail, not 'ignore'",
        message_zh="`on_blank` 应为 flag, zero, skip, fail 之一，而不是 'ignore'")]


# ------------------------------------------------------------------------------- bad files


def test_yaml_syntax_error_names_file_and_line():
    path = FIXTURES / "bad_syntax.yaml"
    with pytest.raises(RuleError) as caught:
        load_rule_files([path])
    assert str(caught.value) in (f"{path}:7: YAML syntax error: mapping values are not allowed here",  # PyYAML
                                 f"{path}:7: YAML syntax error: mapping values are not allowed in this context")


def test_unclosed_flow_mapping_names_both_lines():
    with pytest.raises(RuleError) as caught:
        load_rule_files([FIXTURES / "unclosed.yaml"])
    assert caught.value.line == 7
    assert "flow mapping at line 6" in caught.value.message


def test_alias_bomb_is_refused_before_expansion():
    path = FIXTURES / "alias_bomb.yaml"
    with pytest.raises(RuleError, match="anchors and aliases are not allowed") as caught:
        load_rule_files([path])
    assert (caught.value.file, caught.value.line) == (str(path), 2)


def test_even_one_anchor_is_refused(tmp_path):
    path = write(tmp_path, rule_yaml("table3.new.total >= 0", "    doc: &d {zh: 说明, en: doc}\n"))
    with pytest.raises(RuleError, match="anchors and aliases") as caught:
        load_rule_files([path])
    assert caught.value.line == 7


def test_large_file_is_refused(tmp_path):
    path = write(tmp_path, rule_yaml("table3.new.total >= 0") + "#" * (1024 * 1024) + "\n")
    with pytest.raises(RuleError, match="larger than 1048576 bytes"):
        load_rule_files([path])


def test_duplicate_codes_across_files_name_both():
    first, second = FIXTURES / "duplicate_a.yaml", FIXTURES / "duplicate_b.yaml"
    with pytest.raises(RuleError) as caught:
        load_rule_files([first, second])
    assert str(caught.value) == f"{second}:8: duplicate rule code DUP-RULE: first defined at {first}:2"
    assert [r.code for r in load_rule_files([second])] == ["OTHER-RULE", "DUP-RULE"]


def test_duplicate_key_in_a_rule(tmp_path):
    path = write(tmp_path, rule_yaml("table3.new.total >= 0", "    severity: warning\n"))
    with pytest.raises(RuleError, match="duplicate key 'severity'") as caught:
        load_rule_files([path])
    assert caught.value.line == 7


def test_lint_reports_every_problem_with_its_line():
    path = str(FIXTURES / "many_problems.yaml")
    messages = lint_rule_files([path])
    assert [(m.line, m.code) for m in messages] == [
        (3, "RULE-VALUE"), (14, "RULE-UNKNOWN-KEY"), (19, "RULE-VALUE"), (26, "RULE-EXPRESSION")]
    assert "colour" in messages[1].message and "'fatal'" in messages[2].message
    assert str(messages[3]) == (f"{path}:26: expr: unknown row 'nonsense' of table3 in "
                                "'table3.nonsense.total' at column 1 [RULE-EXPRESSION]")
    assert messages[3].text("zh") == f"{path}:26: expr：'table3.nonsense.total' 中 table3 没有行 'nonsense'（第 1 列）"
    with pytest.raises(RuleError, match="`code` must be upper-case"):
        load_rule_files([path])


def test_lint_of_the_shipped_rules_is_clean():
    from auditor.ruleset import default_rule_paths
    paths = default_rule_paths()
    assert [p.name for p in paths] == ["table2.yaml", "table3.yaml", "table4.yaml", "template.yaml"]
    assert lint_rule_files(paths) == []


@pytest.mark.parametrize("expr, extra, message", [
    ("table3.$row.total >= 0", "", "unbound variable $row"),
    ("table3.new.total >= 0", "    for_each: {row: table3.all}\n", "$row is not used"),
    ("table3.$row.total >= 0", "    for_each: {row: table3.columns}\n", "stands for a row of table3"),
    ("table3.$row.total >= 0", "    for_each: {row: table4.all}\n", "stands for a row of table3"),
    ("table3.$row.total >= 0", "    for_each: {row: [new, nonsense]}\n", "'nonsense', which is not a row"),
    ("table3.$row.total >= 0", "    for_each: {row: table3.nonsense}\n", "not rows, columns or a group"),
    ("table3.$row.total >= 0", "    for_each: {row: [denied]}\n", "group"),
    ("table3.new.total >= 0", "    for_each: [row]\n", "must map variables"),
    ("table3.other.total >= 0", "", "no instance in the 2021 template"),
    ("table3.new.total >= 0", "    tables: [table4]\n", "leaves out table3"),
    ("table3.new.total >= 0", "    templates: [2020]\n", "`templates` must be"),
    ("table3.new.total >= 0", "    on_missing: zero\n", "`on_missing` must be one of skip, fail"),
    ("table3.new.total >= 0", "    tolerance: loose\n", "`tolerance` must be one of printed, exact"),
    ("table3.new.total >= 0", "    doc: {zh: 只有中文}\n", "`doc` must be a mapping"),
    ("__import__('os')", "", "'__import__' is Python"),
    ("2**99999", "", "power operator"),
    ("table3.denied.total >= 0", "", "group can only be used inside sum()"),
])
def test_invalid_rules(tmp_path, expr, extra, message):
    path = write(tmp_path, rule_yaml(expr, extra))
    with pytest.raises(RuleError) as caught:
        load_rule_files([path])
    assert message in caught.value.message
    assert caught.value.file == str(path) and 2 <= caught.value.line <= 8


def test_expression_errors_point_at_the_expr_line(tmp_path):
    path = write(tmp_path, rule_yaml("table3.new.total >= 0") + rule_yaml("table3.new.totl >= 0").replace(
        "rules:\n", "").replace("TEST-RULE", "TEST-SECOND"))
    with pytest.raises(RuleError) as caught:
        load_rule_files([path])
    assert str(caught.value) == (f"{path}:11: expr: unknown column 'totl' of table3 in "
                                 "'table3.new.totl' at column 1")


def test_missing_keys_and_structure(tmp_path):
    path = write(tmp_path, "rules:\n  - code: ONLY-CODE\n    expr: table3.new.total >= 0\n  - just text\n")
    messages = lint_rule_files([path])
    assert [(m.line, m.code) for m in messages] == [(2, "RULE-MISSING-KEY"), (None, "RULE-STRUCTURE")]
    assert messages[0].message == "missing key(s): name, title, severity"
    for text, message in [("- a\n- b\n", "`rules` list at the top"), ("rules: {}\n", "must be a list"),
                          ("rules: []\nextra: 1\n", "unknown top-level key(s): extra"), ("", "`rules` list")]:
        with pytest.raises(RuleError, match=message.replace("(", r"\(").replace(")", r"\)")):
            load_rule_files([write(tmp_path, text)])


def test_python_tags_are_refused(tmp_path):
    path = write(tmp_path, "rules: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(RuleError, match="YAML tag !!python/object/apply:os.system is not allowed") as caught:
        load_rule_files([path])
    assert (caught.value.line, caught.value.code) == (1, "RULE-FORBIDDEN")


def test_unreadable_file():
    with pytest.raises(RuleError, match="cannot read rule file"):
        load_rule_files([FIXTURES / "no_such_file.yaml"])


@pytest.mark.parametrize("table2, table3, code, named, other", [
    ("2019", "2021", "TPL-TABLE2-YEAR", "表二", "表三"),
    ("2021", "2019", "TPL-TABLE3-YEAR", "表三", "表二"),
])
def test_template_year_message_names_the_rules_table(shipped, table2, table3, code, named, other):
    """The message of a template-year finding names the table its rule declares (it once said 表三 for 表二)."""
    from auditor.check.engine import run_rules
    from auditor.policy import RunConfig
    from auditor.model.report import Report, Table, TemplateGuess

    tables = {t: Table(id=t, found=True) for t in ("table2", "table3")}
    report = Report(file="r.txt", year=2022, template=TemplateGuess(table2=table2, table3=table3, overall="hybrid"),
                    tables=tables)
    findings, _ = run_rules(report, [shipped["TPL-TABLE2-YEAR"], shipped["TPL-TABLE3-YEAR"]], RunConfig())
    (finding,) = findings
    assert finding.code == code
    assert named in finding.message and other not in finding.message
    assert f"使用了{table2 if named == '表二' else table3}版模板" in finding.message
