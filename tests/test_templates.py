"""The templates as data: templates.yaml and the table files, checked against their schema, and the
one ``resolve`` every stage asks."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from auditor.model.report import TemplateGuess
from auditor.resources import read_yaml_resource
from auditor.templates import (
    DEFAULT_TEMPLATE,
    PRE_TEMPLATE,
    TABLE_IDS,
    TemplateFileError,
    parse_index,
    parse_table_file,
    reset_templates,
    resolve,
    table_number,
    template_for_year,
    template_ids,
    template_name,
    used_template,
)


def test_the_shipped_index_lists_the_national_templates_and_tables():
    assert template_ids() == ("2019", "2021")
    assert TABLE_IDS == ("table2", "table3", "table4")
    assert DEFAULT_TEMPLATE == "2021"
    assert template_name("2019") == "2019年版国家统一格式" and template_name("2021", "en") == "2021 national template"


@pytest.mark.parametrize("year, template", [
    (2013, PRE_TEMPLATE), (2018, PRE_TEMPLATE), (2019, "2019"), (2020, "2019"), (2021, "2021"), (2035, "2021"),
    (None, None),
])
def test_the_template_a_year_calls_for_comes_from_the_years_in_the_file(year, template):
    assert template_for_year(year) == template


@pytest.mark.parametrize("guess, table, template", [
    (TemplateGuess(table2="2019", table3="2021"), "table2", "2019"),
    (TemplateGuess(table2="2019", table3="2021"), "table3", "2021"),
    (TemplateGuess(table2="2021", table3="2019"), "table4", "2019"),  # table 4 follows table 3
    (TemplateGuess(), "table2", "2021"),  # not recognised: the default
    (TemplateGuess(table3="pre-2019"), "table3", "2021"),
])
def test_resolve_gives_each_table_its_own_template(guess, table, template):
    assert used_template(guess, table) == template
    view = resolve(guess, table)
    assert (view.table, view.template) == (table, template)


def test_table_numbers_in_both_languages():
    assert [table_number(t) for t in TABLE_IDS] == ["表二", "表三", "表四"]
    assert table_number("table4", "en") == "Table 4"
    assert table_number("prev.table3") == "prev.table3"


def test_every_shipped_table_file_passes_its_schema():
    for table in TABLE_IDS:
        assert parse_table_file(read_yaml_resource(f"templates/{table}.yaml"), f"{table}.yaml", table)["table"] == table


def test_a_table_file_with_an_unknown_key_is_refused_naming_file_and_key():
    data = copy.deepcopy(read_yaml_resource("templates/table3.yaml"))
    data["rows"][0]["lables"] = ["本年新收"]  # a typo must not pass silently
    with pytest.raises(TemplateFileError, match=r"table3\.yaml: rows\.0\.lables: Extra inputs"):
        parse_table_file(data, "table3.yaml", "table3")


def test_a_table_file_listed_for_another_table_is_refused():
    with pytest.raises(TemplateFileError, match="describes 'table4', listed as 'table3'"):
        parse_table_file(read_yaml_resource("templates/table4.yaml"), "table3.yaml", "table3")


def test_an_index_whose_default_is_not_a_template_is_refused():
    data = copy.deepcopy(read_yaml_resource("templates/templates.yaml"))
    data["default"] = "2027"
    with pytest.raises(TemplateFileError, match="default '2027' is not a template"):
        parse_index(data)


def test_an_index_without_years_is_refused():
    data = copy.deepcopy(read_yaml_resource("templates/templates.yaml"))
    del data["templates"][0]["years"]
    with pytest.raises(TemplateFileError, match=r"templates\.0\.years: Field required"):
        parse_index(data)


# ------------------------------------------------------------------ a template year added from data

NEW_TEMPLATE = Path(__file__).parent / "data" / "template-2026"


@pytest.fixture
def shipped_templates_after():
    yield
    reset_templates()


# yichun's text never mentions 工作要点 or 上年度问题整改 (DOC-GOV-CONTENT, judged right): not these tests' concern
NOT_GOV_CONTENT = ("--disable", "DOC-GOV-CONTENT")


def _check(*args):
    from click.testing import CliRunner

    from auditor.cli import main

    result = CliRunner().invoke(main, ["check", "--format", "json", "--fail-on", "never", *map(str, args)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["reports"][0]


def test_a_template_year_added_from_a_data_file_reads_and_audits_a_report_in_it(shipped_templates_after):
    """tests/data/template-2026: a copy of the 2021 template whose （一） row is printed 予以全部公开, for
    2026 on, and a report written in it — no Python change."""
    report = NEW_TEMPLATE / "yichun-2026.txt"
    plain = _check(report)
    assert plain["template"]["table3"] == "2021"  # without the file: read as the nearest shipped template

    added = _check("--rules", NEW_TEMPLATE, *NOT_GOV_CONTENT, report)
    assert (added["year"], added["template"]["table3"]) == (2026, "2026")
    assert added["findings"] == []  # the report is consistent, and its template is the one for 2026
    original = _check(Path(__file__).parents[1] / "examples" / "yichun-2021.txt")
    assert added["stats"] == original["stats"]  # every relation of the 2021 template evaluated alike


def test_a_report_of_the_new_year_in_the_old_template_is_told_so(shipped_templates_after, tmp_path):
    old_label = tmp_path / "yichun-2026-old.txt"
    source = (Path(__file__).parents[1] / "examples" / "yichun-2021.txt").read_text(encoding="utf-8")
    old_label.write_text(source.replace("2021", "2026"), encoding="utf-8")
    assert _check(*NOT_GOV_CONTENT, old_label)["findings"] == []  # no 2026 template known: 2021 is the year's
    findings = _check("--rules", NEW_TEMPLATE, *NOT_GOV_CONTENT, old_label)["findings"]
    assert [(f["code"], f["message"]) for f in findings] == [
        ("TPL-TABLE3-YEAR", "表三模板与报告年度相符：2026年度报告的表三使用了2021版模板")]


def test_the_new_template_labels_its_cells_and_applies_the_2021_rules(shipped_templates_after):
    from auditor.ruleset import add_templates
    from auditor.templates import covers, lineage, template_view

    assert add_templates([NEW_TEMPLATE]) == ["2026"]
    assert lineage("2026") == ("2026", "2021")
    assert covers(("2021",), "2026") and not covers(("2019",), "2026")
    assert template_for_year(2025) == "2021" and template_for_year(2026) == "2026"
    view = template_view("table3", "2026")
    assert view.row("granted").zh == "（一）予以全部公开"
    assert view.row_ids == template_view("table3", "2021").row_ids


@pytest.mark.parametrize("change, message", [
    (("based_on", "2030"), "based_on '2030' is not a template"),
    (("id", "2021"), "template '2021' exists already"),
    (("tables", {"table3": {"rows": [{"id": "granted_all", "zh": "x"}]}}), "table3 has no row 'granted_all'"),
    (("tables", {"table9": {}}), "no table 'table9'"),
    (("colour", "red"), "template.colour: Extra inputs are not permitted"),
])
def test_a_template_file_that_cannot_be_used_stops_the_run_naming_it(shipped_templates_after, tmp_path, change,
                                                                      message):
    import yaml
    from click.testing import CliRunner

    from auditor.cli import main

    data = yaml.safe_load((NEW_TEMPLATE / "template-2026.yaml").read_text(encoding="utf-8"))
    data["template"][change[0]] = change[1]
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "template.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--lang", "en", "--rules", str(folder),
                                       str(NEW_TEMPLATE / "yichun-2026.txt")])
    assert result.exit_code == 2 and (result.exception is None or isinstance(result.exception, SystemExit))
    assert result.output.startswith(f"error[RULE-TEMPLATE]: {folder / 'template.yaml'}")
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_batch_reads_with_the_added_template_in_its_workers(shipped_templates_after, tmp_path):
    import sqlite3

    from click.testing import CliRunner

    from auditor.cli import main

    db = tmp_path / "audit.sqlite"
    result = CliRunner().invoke(main, ["batch", str(NEW_TEMPLATE / "yichun-2026.txt"), "--db", str(db), "--jobs", "2",
                                       "--rules", str(NEW_TEMPLATE), "--lang", "en"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as connection:
        assert connection.execute("select year, template from reports").fetchall() == [(2026, "2026")]


def test_the_html_layout_of_each_table_comes_from_its_template_file():
    from auditor.templates import template_view

    assert [s.caption.zh for s in template_view("table2", "2021").display.sections][:2] == [
        "第二十条第（一）项", "第二十条第（五）项"]
    table3 = template_view("table3", "2019").display
    assert (table3.column_group.group, table3.row_group.group, table3.row_group.also) == (
        "legal_person", "outcomes", ["total"])
    assert template_view("table4", "2021").display.row_headings["litigation_direct"].zh == "未经复议直接起诉"
    data = copy.deepcopy(read_yaml_resource("templates/table4.yaml"))
    data["display"]["row_headers"] = {}  # a misspelt key is refused, not ignored
    with pytest.raises(TemplateFileError, match=r"display\.row_headers: Extra inputs"):
        parse_table_file(data, "table4.yaml", "table4")


def test_the_memo_names_groups_from_the_template_file():
    from auditor.memo.letter import _Labels
    from auditor.model.findings import AuditResult

    result = AuditResult(file="r.txt", template=TemplateGuess(table3="2021"))
    assert _Labels(result, "zh", {})._group("table4", "parts") == "维持、纠正、其他结果和尚未审结"
    assert _Labels(result, "en", {})._group("table3", "legal_person") == "every legal person or other organisation"
