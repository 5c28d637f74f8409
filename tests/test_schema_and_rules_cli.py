"""The committed JSON schemas match the models and describe real output; `rules list` and `lint`."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.write.schema import SCHEMAS, schema_text
from conftest import report_path

ROOT = Path(__file__).resolve().parents[1]


def test_committed_schemas_are_current():
    for name in SCHEMAS:
        committed = (ROOT / "docs" / "schema" / name).read_text(encoding="utf-8")
        assert committed == schema_text(name), f"run: python -m auditor.write.schema ({name} is stale)"


def test_check_output_validates_against_its_schema():
    schema = json.loads(schema_text("check.schema.json"))
    result = CliRunner().invoke(main, ["check", "--format", "json", str(report_path("shanghai-bgt-2019.html")),
                                       str(report_path("guilin-2020.txt"))])
    data = json.loads(result.output)
    jsonschema.validate(data, schema)
    assert [r["file"].split("/")[-1] for r in data["reports"]] == ["shanghai-bgt-2019.html", "guilin-2020.txt"]


def test_extract_output_validates_and_has_the_documented_shape():
    schema = json.loads(schema_text("extract.schema.json"))
    result = CliRunner().invoke(main, ["extract", "--format", "json", str(report_path("yichun-2021.txt"))])
    data = json.loads(result.output)
    jsonschema.validate(data, schema)
    assert data["template"]["table3"] == "2021" and data["template"]["confidence"] > 0.8
    cell = data["tables"]["table3"]["rows"]["new"]["total"]
    assert cell["value"] == 553 and cell["state"] == "number" and cell["raw"] == "553"
    assert cell["source"]["line"] > 0


def test_extract_text_shows_blank_cells_apart_from_zeros():
    result = CliRunner().invoke(main, ["extract", "--format", "text", str(report_path("shanghai-kewei-2024.md"))])
    assert result.exit_code == 0
    assert "(空)" in result.output and "结转下年度继续办理" in result.output


def test_rules_list_shows_every_shipped_code():
    result = CliRunner().invoke(main, ["rules", "list"])
    assert result.exit_code == 0
    for code in ("T3-BALANCE", "T3-ROW-TOTAL", "T3-OUTCOME-TOTAL", "T4-GROUP-TOTAL", "T2-PUBLISHED-LE-TOTAL",
                 "TPL-TABLE3-YEAR"):
        assert code in result.output


def test_rules_lint_passes_the_shipped_rules_and_reports_file_line_problems(tmp_path):
    assert CliRunner().invoke(main, ["rules", "lint", str(ROOT / "rules" / "checks")]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - code: X-1\n    name: x.one\n    title: {zh: 测试, en: test}\n"
                   "    severity: error\n    expr: table3.nonsense.total == 0\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "lint", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:6:" in result.output and "nonsense" in result.output


def test_a_users_rule_directory_adds_rules_and_a_broken_one_is_a_usage_error(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    (good / "mine.yaml").write_text(
        "rules:\n  - code: MY-GRANTED-LE-NEW\n    name: mine.granted_le_new\n"
        "    title: {zh: 予以公开不超过新收, en: granted at most new}\n    severity: warning\n"
        "    expr: table3.granted.total <= table3.new.total + table3.carried_over.total\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "list", "--rules", str(good)])
    assert "MY-GRANTED-LE-NEW" in result.output
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.yaml").write_text("rules: [\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--rules", str(broken), str(report_path("guidong-2020.txt"))])
    assert result.exit_code == 2 and "x.yaml" in result.output
