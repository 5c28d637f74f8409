"""Cross-report rules: the prev. qualifier, scope pair/aggregate rule files, C1–C4, T2b, aggregates,
and batches over a multi-year series (the issue's acceptance criteria)."""
from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from auditor.corpus.batch import BatchOptions, run_batch
from auditor.check.crossyear import crossyear_rule_paths, evaluate_aggregate, evaluate_pair, load_crossreport_rules
from auditor.policy import RunConfig
from auditor.present.labels import cell_label
from auditor.model.report import Cell, CellState, Report, Source, Table, TemplateGuess
from auditor.lint import lint_rule_files
from auditor.ruleset import CellKey, RuleError, compile_expression, load_default_rules
from auditor.corpus.store import Store
from auditor.synth import gold_tables, random_series, random_table3, random_table4, render_text
from auditor.templates import template_view

GOLD = Path(__file__).parent / "data" / "gold"
RULES = load_crossreport_rules()
CONFIG = RunConfig()


# -------------------------------------------------------------------- helpers


def _cell(value, file: str) -> Cell:
    if value is None:
        return Cell(state=CellState.blank, source=Source(file=file, line=1))
    return Cell(state=CellState.number, value=value, raw=str(value), source=Source(file=file, line=1))


def make_report(file: str, year: int, template: str = "2021", table3=None, table2=None, table4=None,
                agency: str = "甲县人民政府") -> Report:
    tables = {}
    for table_id, values in (("table2", table2), ("table3", table3), ("table4", table4)):
        if values is not None:
            rows = {row: {column: _cell(v, file) for column, v in columns.items()} for row, columns in values.items()}
            tables[table_id] = Table(id=table_id, found=True, rows=rows)
    guess = TemplateGuess(table2=template, table3=template, overall=template, confidence=1.0)
    return Report(file=file, agency=agency, year=year, template=guess, tables=tables)


def series(rng: random.Random, years: list[int]) -> list[tuple[int, str, dict]]:
    """Consistent table 3s for consecutive years (carried over = last year's carried forward)."""
    return [(year, template, table3) for year, template, table3, _ in random_series(rng, years)]


def codes(findings) -> list[str]:
    return sorted(f.code for f in findings)


# -------------------------------------------------------------------- the rule language


def test_prev_qualifier_parses_and_expands():
    expr = compile_expression("table3.carried_over.$column == prev.table3.carried_forward.$column", {"column"})
    assert expr.tables == ("table3", "prev.table3")
    assert expr.reports == ("prev",)
    view = lambda table: template_view(table.rpartition(".")[2], "2021")  # noqa: E731
    relation = expr.expand({"column": "total"}, view)
    assert relation.rhs[0].cell == CellKey("prev.table3", "carried_forward", "total")
    assert str(relation.rhs[0].cell) == "prev.table3.carried_forward.total"
    assert compile_expression("table3.new.total >= 0").reports == ()


@pytest.mark.parametrize("text, message", [
    ("prev.table3.new == table3.new.total", "prev.TABLE.ROW.COLUMN"),
    ("prev.meta.year == 2020", "unknown name"),
    ("prev.table3.nope.total == table3.new.total", "unknown row"),
    ("next.table3.new.total == table3.new.total", "unknown name"),
])
def test_prev_qualifier_errors(text, message):
    with pytest.raises(RuleError, match=message.replace(".", r"\.")):
        compile_expression(text)


def _lint(tmp_path, body: str) -> list[str]:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n" + body, encoding="utf-8")
    return [m.message for m in lint_rule_files([path])]


HEAD = "  - code: X-ONE\n    name: x.one\n    title: {zh: 甲, en: a}\n    severity: error\n"


def test_rule_files_check_scope_and_kind(tmp_path):
    assert any("scope: pair" in m for m in _lint(tmp_path, HEAD + "    expr: table3.new.total == prev.table3.new.total\n"))
    assert any("prev." in m for m in _lint(tmp_path, HEAD + "    scope: pair\n    expr: table3.new.total >= 0\n"))
    assert any("needs `scope: pair`" in m for m in _lint(tmp_path, HEAD + "    kind: identical_to_previous\n"))
    assert any("`expr` is not used" in m for m in _lint(
        tmp_path, HEAD + "    scope: pair\n    kind: identical_to_previous\n    expr: table3.new.total >= 0\n"))
    assert any("scope" in m for m in _lint(tmp_path, HEAD + "    scope: sideways\n    expr: table3.new.total >= 0\n"))
    assert _lint(tmp_path, HEAD + "    scope: pair\n    expr: table3.new.total >= prev.table3.new.total\n") == []


def test_shipped_crossyear_rules_load_and_stay_out_of_single_report_runs():
    assert lint_rule_files(crossyear_rule_paths()) == []
    by_code = {rule.code: rule for rule in RULES}
    assert {rule.relation for rule in RULES} >= {"C1", "C2", "C3", "C4", "T2b", "AGG"}
    assert by_code["XY-CARRIED-OVER"].severity == "error"
    assert by_code["XY-IN-FORCE"].severity == "review"
    assert by_code["XY-PREVIOUS-ITEMS"].severity == "warning"
    assert by_code["XY-IDENTICAL"].severity == "warning"
    assert by_code["XY-REPEALED-LE-IN-FORCE"].severity == "warning"
    assert by_code["AGG-SUM"].severity == "warning"
    assert not any(rule.code.startswith(("XY-", "AGG-")) for rule in load_default_rules())
    view = lambda table: template_view(table.rpartition(".")[2], "2021")  # noqa: E731
    assert by_code["XY-CARRIED-OVER"].instances(view) == []  # a single-report engine never runs it


def test_cell_label_names_last_years_report():
    label = cell_label(CellKey("prev.table3", "carried_forward", "total"), "2021")
    assert label.startswith("上年报告表三") and "结转下年度" in label
    assert cell_label(CellKey("table3", "carried_over", "total"), "2021").startswith("表三")


# -------------------------------------------------------------------- pairs


def test_c1_every_column_names_both_files_and_cells():
    (_, _, t2021), (_, _, t2022) = series(random.Random(4), [2021, 2022])
    previous, current = make_report("a-2021.txt", 2021, table3=t2021), make_report("a-2022.txt", 2022, table3=t2022)
    assert evaluate_pair(previous, current, RULES, CONFIG) == []
    broken = copy.deepcopy(t2022)
    broken["carried_over"]["commercial"] += 3
    findings = evaluate_pair(previous, make_report("a-2022.txt", 2022, table3=broken), RULES, CONFIG)
    assert codes(findings) == ["XY-CARRIED-OVER"]
    finding = findings[0]
    assert finding.severity.value == "error" and finding.bindings == {"column": "commercial"}
    assert finding.file == "a-2022.txt"
    assert {(c.file, c.table, c.row) for c in finding.cells} == {("a-2022.txt", "table3", "carried_over"),
                                                                  ("a-2021.txt", "table3", "carried_forward")}
    assert "a-2021.txt" in finding.message and "a-2022.txt" in finding.message
    assert "合并" in finding.message  # the message says a merger or a revised report can explain it
    prev_cell = next(c for c in finding.cells if c.file == "a-2021.txt")
    assert prev_cell.label.startswith("上年报告") and prev_cell.source.file == "a-2021.txt"


def test_c1_all_seven_columns_and_across_templates():
    (_, _, t2020), (_, _, t2021) = series(random.Random(5), [2020, 2021])
    previous = make_report("b-2020.txt", 2020, "2019", table3=t2020)
    assert evaluate_pair(previous, make_report("b-2021.txt", 2021, table3=t2021), RULES, CONFIG) == []
    broken = copy.deepcopy(t2021)
    for column in broken["carried_over"]:
        broken["carried_over"][column] += 1
    findings = evaluate_pair(previous, make_report("b-2021.txt", 2021, table3=broken), RULES, CONFIG)
    assert sorted(f.bindings["column"] for f in findings if f.code == "XY-CARRIED-OVER") == sorted(
        template_view("table3", "2021").column_ids)


def test_c1_blank_is_not_filled_with_the_value_required():
    (_, _, t2021), (_, _, t2022) = series(random.Random(6), [2021, 2022])
    t2021["carried_forward"]["natural_person"] = 4  # last year carried 4 forward…
    t2022["carried_over"]["natural_person"] = None  # …this year left it blank
    findings = evaluate_pair(make_report("c-2021.txt", 2021, table3=t2021),
                             make_report("c-2022.txt", 2022, table3=t2022), RULES, CONFIG)
    blank = [f for f in findings if f.code == "XY-CARRIED-OVER" and f.bindings["column"] == "natural_person"]
    assert blank and blank[0].status.value == "not_filled" and blank[0].required == 4


def _table2_2021(in_force: int, issued: int, repealed: int) -> dict:
    row = {"issued": issued, "repealed": repealed, "in_force": in_force}
    return {"regulations": dict(row), "normative_documents": dict(row), "licensing": {"decisions": 5},
            "punishment": {"decisions": 2}, "enforcement": {"decisions": 0}}


def test_c2_in_force_and_t2b_repealed():
    previous = make_report("d-2022.txt", 2022, table2=_table2_2021(in_force=10, issued=2, repealed=1))
    fine = make_report("d-2023.txt", 2023, table2=_table2_2021(in_force=11, issued=3, repealed=2))
    assert evaluate_pair(previous, fine, RULES, CONFIG) == []
    off = make_report("d-2023.txt", 2023, table2=_table2_2021(in_force=20, issued=3, repealed=2))
    findings = evaluate_pair(previous, off, RULES, CONFIG)
    assert codes(findings) == ["XY-IN-FORCE", "XY-IN-FORCE"]
    assert {f.severity.value for f in findings} == {"review"}
    too_many = make_report("d-2023.txt", 2023, table2=_table2_2021(in_force=0, issued=3, repealed=14))
    findings = [f for f in evaluate_pair(previous, too_many, RULES, CONFIG) if f.code != "XY-IN-FORCE"]
    assert codes(findings) == ["XY-REPEALED-LE-IN-FORCE"] * 2  # 14 > 10 + 3
    assert {f.severity.value for f in findings} == {"warning"}


def test_c2_never_applies_to_2021_against_the_old_columns():
    old = {"regulations": {"made": 1, "published": 1, "public_total": 9}}
    previous = make_report("e-2020.txt", 2020, "2019", table2=old)
    current = make_report("e-2021.txt", 2021, table2=_table2_2021(in_force=50, issued=3, repealed=0))
    assert evaluate_pair(previous, current, RULES, CONFIG) == []


def test_c3_previous_items():
    def table2(previous_items: int, change: int) -> dict:
        rows = ("licensing", "other_services", "punishment", "enforcement")
        table = {row: {"previous_items": 7, "change": 0, "decisions": 3} for row in rows}
        table["licensing"] = {"previous_items": previous_items, "change": change, "decisions": 3}
        table["fees"] = {"previous_items": 2, "change": 0}
        return table
    previous = make_report("f-2019.txt", 2019, "2019", table2=table2(40, 6))
    assert evaluate_pair(previous, make_report("f-2020.txt", 2020, "2019", table2=table2(46, -2)), RULES,
                         CONFIG) == []
    findings = evaluate_pair(previous, make_report("f-2020.txt", 2020, "2019", table2=table2(40, 0)), RULES, CONFIG)
    assert codes(findings) == ["XY-PREVIOUS-ITEMS"] and findings[0].severity.value == "warning"


def test_c4_identical_to_previous():
    rng = random.Random(8)
    table3, table4 = random_table3(rng, sparsity=0.3), random_table4(rng)
    previous = make_report("g-2022.txt", 2022, table3=table3, table4=table4)
    copied = make_report("g-2023.txt", 2023, table3=copy.deepcopy(table3), table4=copy.deepcopy(table4))
    findings = [f for f in evaluate_pair(previous, copied, RULES, CONFIG) if f.code == "XY-IDENTICAL"]
    assert len(findings) == 1 and findings[0].severity.value == "warning"
    assert "照搬" in findings[0].message
    assert {c.file for c in findings[0].cells} == {"g-2022.txt", "g-2023.txt"}
    changed = copy.deepcopy(table4)
    changed["review"]["upheld"] += 1
    other = make_report("g-2023.txt", 2023, table3=copy.deepcopy(table3), table4=changed)
    assert not [f for f in evaluate_pair(previous, other, RULES, CONFIG) if f.code == "XY-IDENTICAL"]
    zeros = {row: {c: 0 for c in cols} for row, cols in table3.items()}
    assert not [f for f in evaluate_pair(make_report("z-1.txt", 2022, table3=zeros),
                                         make_report("z-2.txt", 2023, table3=copy.deepcopy(zeros)), RULES, CONFIG)
                if f.code == "XY-IDENTICAL"]  # an agency with no requests both years is no copy


def test_disabled_codes_are_left_out():
    (_, _, t2021), (_, _, t2022) = series(random.Random(4), [2021, 2022])
    t2022["carried_over"]["total"] += 1
    config = RunConfig(disabled=frozenset({"XY-CARRIED-OVER"}))
    assert evaluate_pair(make_report("h-1.txt", 2021, table3=t2021), make_report("h-2.txt", 2022, table3=t2022),
                         RULES, config) == []


# -------------------------------------------------------------------- aggregates


def _sum(tables: list[dict]) -> dict:
    return {row: {c: sum(t[row][c] for t in tables) for c in columns} for row, columns in tables[0].items()}


def test_aggregate_parent_equals_sum_of_components():
    rng = random.Random(9)
    parts3 = [random_table3(rng) for _ in range(3)]
    parts4 = [random_table4(rng) for _ in range(3)]
    parts2 = [{**_table2_2021(in_force=10 + i, issued=i, repealed=1), "fees": {"fee_amount": 3}} for i in range(3)]
    components = [make_report(f"part-{i}.txt", 2023, table3=t3, table4=t4, table2=t2, agency=f"{'甲乙丙'[i]}县")
                  for i, (t3, t4, t2) in enumerate(zip(parts3, parts4, parts2))]
    parent3, parent4, parent2 = _sum(parts3), _sum(parts4), _sum(parts2)
    parent2["fees"]["fee_amount"] = 5  # an amount (units vary): not checked
    parent = make_report("city.txt", 2023, table3=parent3, table4=parent4, table2=parent2, agency="某市")
    assert evaluate_aggregate(parent, components, RULES, CONFIG) == []
    parent4["review"]["upheld"] += 2
    parent4["review"]["total"] += 2
    parent2["regulations"]["issued"] += 1
    findings = evaluate_aggregate(make_report("city.txt", 2023, table3=parent3, table4=parent4, table2=parent2),
                                  components, RULES, CONFIG)
    assert codes(findings) == ["AGG-SUM"] * 3  # upheld and total of the review row, regulations issued
    assert {(c.table, c.row, c.column) for f in findings for c in f.cells} == {
        ("table4", "review", "upheld"), ("table4", "review", "total"), ("table2", "regulations", "issued")}
    finding = findings[0]
    assert finding.severity.value == "warning" and finding.file == "city.txt"
    assert {c.file for c in finding.cells} == {"city.txt", "part-0.txt", "part-1.txt", "part-2.txt"}
    assert any(c.label.startswith("甲县") for c in finding.cells)


def test_aggregate_needs_one_template():
    rng = random.Random(10)
    old = make_report("p-0.txt", 2020, "2019", table3=random_table3(rng, "2019"))
    new = make_report("p-1.txt", 2020, table3=random_table3(rng))
    parent = make_report("city.txt", 2020, "2019", table3=random_table3(rng, "2019"))
    assert evaluate_aggregate(parent, [old, new], RULES, CONFIG) == []


# -------------------------------------------------------------------- batches over a series


def _gold_series(years: list[int]) -> list[tuple[int, str, dict, dict]]:
    """The tables of tests/data/gold/pingtan-2021.json for several years: carried-forward grows by one a
    year and carried-over is last year's (2020 in the 2019 template, its three （六） rows as one)."""
    table3, table4 = gold_tables(json.loads((GOLD / "pingtan-2021.json").read_text(encoding="utf-8")))
    out, forward = [], None
    for k, year in enumerate(years):
        template = "2019" if year <= 2020 else "2021"
        table = copy.deepcopy(table3)
        if template == "2019":
            parts = [table.pop(r) for r in ("other_1", "other_2", "other_3")]
            table["other"] = {c: sum(part[c] for part in parts) for c in table["new"]}
        for column in ("natural_person", "total"):
            table["carried_forward"][column] += k
        table["carried_over"] = dict(forward or table["carried_over"])
        for column in table["new"]:
            table["new"][column] = table["total"][column] + table["carried_forward"][column] - table["carried_over"][column]
        forward = dict(table["carried_forward"])
        out.append((year, template, table, table4))
    return out


def _write_series(folder: Path, years: list[int], agency: str = "平潭综合实验区管委会", change=None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for year, template, table3, table4 in _gold_series(years):
        if change and year == change:  # a consistent change of this year's 结转下年度 (and 新收)
            for row in ("carried_forward", "new"):
                table3[row]["natural_person"] += 2
                table3[row]["total"] += 2
        path = folder / f"pingtan-{year}.txt"
        path.write_text(render_text(table3, table4, template=template, year=year, agency=agency), encoding="utf-8")
        paths.append(path)
    return paths


def _cross(store: Store) -> list[dict]:
    return [f for f in store.findings_of() if f["cross_report"]]


def test_series_finds_every_pair_and_a_changed_carry_forward(tmp_path):
    years = [2020, 2021, 2022, 2023]
    _write_series(tmp_path / "series", years)
    db = tmp_path / "audit.sqlite"
    summary = run_batch([tmp_path / "series"], db)
    assert summary.audited == 4 and summary.pairs == 3 and summary.cross_findings == 0
    with Store(db) as store:
        assert sorted(r.year for r in store.identified()) == years
        assert {r.agency for r in store.identified()} == {"平潭综合实验区管委会"}
        # the generated reports hold tables 3 and 4 only, under parts 一, 三 and 四: table 2 is not assessable,
        # parts 二, 五 and 六 are missing, and nothing else is found
        assert sorted((f["code"], f["severity"]) for f in store.findings_of()) == \
            [("DOC-PART-MISSING", "warning")] * 12 + [("TABLE-ABSENT", "warning")] * 4
    _write_series(tmp_path / "series", years, change=2021)  # 2021's 结转下年度 changed
    summary = run_batch([tmp_path / "series"], db)
    assert summary.audited == 1 and summary.skipped == 3
    assert summary.pairs == 2  # 2020→2021 and 2021→2022 re-run; 2022→2023 untouched
    with Store(db) as store:
        findings = _cross(store)
        assert store.summary()["totals"]["pairs"] == 3
    assert [f["code"] for f in findings] == ["XY-CARRIED-OVER", "XY-CARRIED-OVER"]
    later, earlier = str(tmp_path / "series" / "pingtan-2022.txt"), str(tmp_path / "series" / "pingtan-2021.txt")
    for finding in findings:
        assert finding["path"] == later and finding["severity"] == "error"
        assert later in finding["message"] and earlier in finding["message"]
        cells = {(c["file"], c["row"]) for c in finding["cells"]}
        assert cells == {(later, "carried_over"), (earlier, "carried_forward")}
    assert {f["data"]["bindings"]["column"] for f in findings} == {"natural_person", "total"}


def test_a_pair_forms_when_the_neighbour_arrives_in_a_later_batch(tmp_path):
    paths = _write_series(tmp_path / "s", [2021, 2022, 2023], change=2022)
    db = tmp_path / "audit.sqlite"
    first = run_batch(paths[:2], db)
    assert first.pairs == 1 and first.cross_findings == 0
    second = run_batch([paths[2]], db)  # 2023 arrives: its pair with 2022 runs now
    assert second.audited == 1 and second.pairs == 1 and second.cross_findings == 2
    with Store(db) as store:
        assert {f["path"] for f in _cross(store)} == {str(paths[2])}


def test_agency_names_are_normalised_and_mapped(tmp_path):
    _write_series(tmp_path / "a", [2021], agency="平潭綜合實驗區管委會")
    _write_series(tmp_path / "b", [2022], agency="平潭综合实验区管委会")
    _write_series(tmp_path / "c", [2023], agency="平潭综合实验区管理委员会")  # renamed
    mapping = tmp_path / "agencies.yaml"
    mapping.write_text("平潭综合实验区管理委员会: [平潭综合实验区管委会]\n", encoding="utf-8")
    db = tmp_path / "audit.sqlite"
    summary = run_batch([tmp_path / "a", tmp_path / "b", tmp_path / "c"], db, BatchOptions(agency_map=mapping))
    assert summary.pairs == 2
    with Store(db) as store:
        assert {r.agency for r in store.identified()} == {"平潭综合实验区管理委员会"}


def test_identity_overrides(tmp_path):
    paths = _write_series(tmp_path / "s", [2021])
    db = tmp_path / "audit.sqlite"
    run_batch(paths, db, BatchOptions(agency="某局", year=2019))
    with Store(db) as store:
        [report] = store.identified()
    assert (report.agency, report.year) == ("某局", 2019)


def test_hierarchy_runs_the_aggregate_rule(tmp_path):
    rng = random.Random(11)
    parts = [(random_table3(rng), random_table4(rng)) for _ in range(2)]
    folder = tmp_path / "agg"
    folder.mkdir()
    for name, (t3, t4) in zip(("甲县人民政府", "乙县人民政府"), parts):
        (folder / f"{name}.txt").write_text(render_text(t3, t4, year=2023, agency=name), encoding="utf-8")
    parent3, parent4 = _sum([p[0] for p in parts]), _sum([p[1] for p in parts])
    parent3["granted"]["natural_person"] += 1
    parent3["granted"]["total"] += 1
    parent3["total"]["natural_person"] += 1
    parent3["total"]["total"] += 1
    parent3["new"]["natural_person"] += 1
    parent3["new"]["total"] += 1
    (folder / "city.txt").write_text(render_text(parent3, parent4, year=2023, agency="某市人民政府"), encoding="utf-8")
    hierarchy = tmp_path / "hierarchy.yaml"
    hierarchy.write_text("某市人民政府: [甲县人民政府, 乙县人民政府]\n", encoding="utf-8")
    db = tmp_path / "audit.sqlite"
    summary = run_batch([folder], db, BatchOptions(hierarchy=hierarchy))
    assert summary.aggregates == 1
    with Store(db) as store:
        findings = _cross(store)
    assert {f["code"] for f in findings} == {"AGG-SUM"} and len(findings) == 6
    assert {f["path"] for f in findings} == {str(folder / "city.txt")}
    assert len({c["file"] for c in findings[0]["cells"]}) == 3
    again = run_batch([folder], db, BatchOptions(hierarchy=hierarchy))
    assert again.aggregates == 0 and again.skipped == 3  # nothing changed: nothing re-run


def test_a_parent_with_components_missing_is_told_which(tmp_path):
    rng = random.Random(12)
    t3, t4 = random_table3(rng), random_table4(rng)
    folder = tmp_path / "agg"
    folder.mkdir()
    (folder / "甲县.txt").write_text(render_text(t3, t4, year=2023, agency="甲县人民政府"), encoding="utf-8")
    (folder / "city.txt").write_text(render_text(t3, t4, year=2023, agency="某市人民政府"), encoding="utf-8")
    hierarchy = tmp_path / "hierarchy.yaml"
    hierarchy.write_text("某市人民政府: [甲县人民政府, 乙县人民政府, 丙县人民政府]\n", encoding="utf-8")
    db = tmp_path / "audit.sqlite"
    summary = run_batch([folder], db, BatchOptions(hierarchy=hierarchy))
    assert summary.aggregates == 0  # no partial sum
    with Store(db) as store:
        findings = _cross(store)
    assert [(f["code"], f["severity"], f["path"]) for f in findings] == [
        ("AGG-INCOMPLETE", "review", str(folder / "city.txt"))]
    assert "3 个组成单位中，2 个没有同年度报告" in findings[0]["message"]
    assert "乙县" in findings[0]["message"] and "丙县" in findings[0]["message"] and "甲县" not in findings[0]["message"]
    again = run_batch([folder], db, BatchOptions(hierarchy=hierarchy))
    assert again.cross_findings == 0  # said once
    zero3, zero4 = ({row: {column: 0 for column in cells} for row, cells in t.items()} for t in (t3, t4))
    for name in ("乙县", "丙县"):  # the rest arrive, all zero: the sum is checked and the note is gone
        (folder / f"{name}.txt").write_text(render_text(zero3, zero4, year=2023, agency=f"{name}人民政府"),
                                            encoding="utf-8")
    complete = run_batch([folder], db, BatchOptions(hierarchy=hierarchy))
    assert complete.aggregates == 1
    with Store(db) as store:
        assert [f["code"] for f in _cross(store)] == []  # city = 甲 + 0 + 0


# ---------------------------------------------------------------- one agency under several names


def test_hongze_pairs_although_2024_adds_its_city(tmp_path):
    from conftest import report_path
    paths = [report_path("hongze-2023.pdf"), report_path("hongze-2024.pdf")]
    db = tmp_path / "audit.sqlite"
    summary = run_batch(paths, db)
    assert summary.audited == 2 and summary.pairs == 1 and summary.unpaired == []
    with Store(db) as store:
        assert sorted((r.agency, r.year) for r in store.identified()) == [
            ("洪泽区人民政府", 2023), ("淮安市洪泽区人民政府", 2024)]  # stored as read; paired under one key
        links = store.db.execute("SELECT report_id, key FROM links WHERE kind = 'pair'").fetchall()
        ids = store.report_ids()
    assert links == [(ids[str(paths[1])], str(ids[str(paths[0])]))]


def _named_series(folder: Path, names: dict[int, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for year, template, table3, table4 in _gold_series(sorted(names)):
        path = folder / f"r-{year}-{len(paths)}.txt"
        path.write_text(render_text(table3, table4, template=template, year=year, agency=names[year]), encoding="utf-8")
        paths.append(path)
    return paths


def test_city_prefix_short_government_and_character_forms_pair_up(tmp_path):
    _named_series(tmp_path / "a", {2020: "洪澤區政府", 2021: "洪泽区 人民政府", 2022: "淮安市洪泽区人民政府",
                                   2023: "江苏省淮安市洪泽区人民政府"})
    summary = run_batch([tmp_path / "a"], tmp_path / "audit.sqlite")
    assert summary.audited == 4 and summary.pairs == 3 and summary.unpaired == []


def test_different_agencies_stay_apart(tmp_path):
    # a city's government and one of its districts; a government and its office
    _named_series(tmp_path / "a", {2021: "某市人民政府", 2022: "某市某区人民政府"})
    _named_series(tmp_path / "b", {2021: "甲县人民政府", 2022: "甲县人民政府办公室"})
    summary = run_batch([tmp_path / "a", tmp_path / "b"], tmp_path / "audit.sqlite")
    assert summary.audited == 4 and summary.pairs == 0


def test_unpaired_agencies_are_said_with_the_reason(tmp_path):
    from click.testing import CliRunner

    from auditor.cli.main import main

    _named_series(tmp_path / "gap", {2020: "甲县人民政府", 2022: "甲县人民政府"})  # 2021 missing
    _named_series(tmp_path / "two", {2021: "北京市朝阳区人民政府"})
    _named_series(tmp_path / "three", {2021: "长春市朝阳区人民政府"})
    _named_series(tmp_path / "four", {2022: "朝阳区人民政府"})  # which 朝阳区?
    db = tmp_path / "audit.sqlite"
    summary = run_batch([tmp_path / d for d in ("gap", "two", "three", "four")], db)
    assert summary.pairs == 0
    assert summary.unpaired_lines("zh") == [
        "未配对：朝阳区人民政府：可能是 北京市朝阳区人民政府、长春市朝阳区人民政府 中的任一个，未与它们配对",
        "未配对：甲县人民政府：缺少 2021 年的报告：2020 年与 2022 年未配对"]
    assert summary.unpaired_lines("en")[1] == "not paired: 甲县人民政府: no report for 2021: 2020 and 2022 not paired"
    result = CliRunner().invoke(main, ["report", "--db", str(db), "--lang", "en"])
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "not paired: 朝阳区人民政府: could be any of 北京市朝阳区人民政府, 长春市朝阳区人民政府" in result.output
    result = CliRunner().invoke(main, ["batch", "--db", str(tmp_path / "b.sqlite"), str(tmp_path / "gap")])
    assert "未配对：甲县人民政府：缺少 2021 年的报告" in result.output, result.output


def test_pairing_plan_merges_only_an_unambiguous_city_prefix():
    from auditor.corpus.agency import normalize_agency, pairing_plan

    assert normalize_agency("洪泽区政府办公室") == "洪泽区人民政府办公室"
    assert normalize_agency("ＡＢ县　人民政府") == "AB县人民政府"
    aliases, notes = pairing_plan([("洪泽区人民政府", 2023), ("淮安市洪泽区人民政府", 2024),
                                   ("某市人民政府", 2023), ("某市某区人民政府", 2024),
                                   ("乙县人民政府", 2023), ("某市乙县人民政府", 2023)])
    assert aliases == {"洪泽区人民政府": "淮安市洪泽区人民政府"}
    assert [(n.agency, n.message_en) for n in notes] == [
        ("乙县人民政府", "某市乙县人民政府 has a report of 2023 too: taken as another agency, not paired")]
