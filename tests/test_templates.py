"""The templates as data: templates.yaml and the table files, checked against their schema, and the
one ``resolve`` every stage asks."""
from __future__ import annotations

import copy

import pytest

from auditor.model.report import TemplateGuess
from auditor.resources import read_yaml_resource
from auditor.templates import (
    DEFAULT_TEMPLATE,
    PRE_TEMPLATE,
    TABLE_IDS,
    TEMPLATE_IDS,
    TemplateFileError,
    parse_index,
    parse_table_file,
    resolve,
    table_number,
    template_for_year,
    template_name,
    used_template,
)


def test_the_shipped_index_lists_the_national_templates_and_tables():
    assert TEMPLATE_IDS == ("2019", "2021")
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
