"""The catalogue through the CLI: `rules list` (every code, --kind), `rules lint` on rules/ and on broken
files, and unknown codes in --disable, --severity and the configuration file (exit 2, nearest codes)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.catalogue import CatalogueError, everything, parse_catalogue
from auditor.cli.main import main
from auditor.code_names import CodeNames
from auditor.ruleset import find_rule_files

ROOT = Path(__file__).resolve().parents[1]
# Warnings T3-ROW-TOTAL and T3-OUTCOME-TOTAL (totals not filled), N-* findings (review, info); exit 0.
REPORT = str(ROOT / "examples" / "shanghai-bgt-2019.html")
MINE = ("rules:\n  - code: MY-GRANTED-LE-NEW\n    name: mine.granted_le_new\n"
        "    title: {zh: 予以公开不超过新收, en: granted at most new}\n    severity: warning\n"
        "    expr: table3.granted.total <= table3.new.total + table3.carried_over.total\n")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def codes_of(result) -> list[tuple[str, str]]:
    data = json.loads(result.output)
    return sorted((f["code"], f["severity"]) for report in data["reports"] for f in report["findings"])


# ------------------------------------------------------------------------------ rules list


def test_rules_list_lists_every_code_of_the_catalogue_and_the_rules():
    result = run("rules", "list", "--format", "json")
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert [entry["code"] for entry in listed][:2] == ["T2-PUBLISHED-LE-TOTAL", "T2-ITEMS-NONNEGATIVE"]
    assert sorted(entry["code"] for entry in listed) == sorted(everything())
    by_code = {entry["code"]: entry for entry in listed}
    assert by_code["N-OUTCOME"]["kind"] == "narrative" and by_code["N-OUTCOME"]["severity"] == "review"
    assert by_code["N-OUTCOME"]["source"] == "rules/catalogue.yaml"
    assert by_code["T3-BALANCE"]["expr"] and by_code["T3-BALANCE"]["source"] == "rules/checks/table3.yaml"
    assert by_code["XY-IDENTICAL"]["kind"] == "crossyear" and by_code["AGG-SUM"]["kind"] == "aggregate"
    assert by_code["USAGE-UNKNOWN-CODE"]["help"]["en"].startswith("the message gives the nearest known codes")


def test_rules_list_filters_by_kind_in_both_languages_and_formats():
    result = run("rules", "list", "--kind", "crossyear", "--kind", "usage", "--lang", "en")
    lines = result.output.splitlines()[2:]
    assert lines and all(line.split()[1] in ("crossyear", "usage") for line in lines)
    assert any(line.startswith("XY-CARRIED-OVER") and "Carried over equals last year's carried forward" in line
               for line in lines)
    zh = run("rules", "list", "--kind", "narrative").output
    assert zh.splitlines()[0].split()[:3] == ["代码", "类别", "默认级别"]
    assert "正文所述办理结果与表三不符" in zh and "T3-BALANCE" not in zh
    listed = json.loads(run("rules", "list", "--kind", "rule", "--format", "json").output)
    assert len(listed) == 16 and {entry["kind"] for entry in listed} == {"rule"}
    assert run("rules", "list", "--kind", "nonsense").exit_code == 2


def test_rules_list_includes_a_users_rules(tmp_path):
    (tmp_path / "mine.yaml").write_text(MINE, encoding="utf-8")
    listed = json.loads(run("rules", "list", "--rules", str(tmp_path), "--kind", "table", "--format", "json").output)
    assert "MY-GRANTED-LE-NEW" in [entry["code"] for entry in listed]


# ------------------------------------------------------------------------------ rules lint


def test_rules_lint_passes_the_shipped_rules_directory_and_sets_data_files_aside():
    result = run("rules", "lint", str(ROOT / "rules"))
    assert result.exit_code == 0, result.output
    assert result.output == "6 个文件，0 个错误，0 个警告，另有 7 个数据文件不是规则文件（未检查）\n"
    files, data = find_rule_files([ROOT / "rules"])
    assert sorted(d.path.relative_to(ROOT).as_posix() for d in data) == [
        "rules/catalogue.yaml", "rules/document/document.yaml", "rules/narrative/claims.yaml", "rules/templates/table2.yaml",
        "rules/templates/table3.yaml", "rules/templates/table4.yaml", "rules/templates/templates.yaml"]
    assert {f.parent.name for f in files} == {"checks", "crossyear"}
    english = run("rules", "lint", "--lang", "en", str(ROOT / "rules")).output
    assert english == "6 file(s), 0 error(s), 0 warning(s); 7 data file(s) are not rule files (not checked)\n"


def test_rules_lint_reports_every_problem_of_every_file(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "rules:\n  - code: A-ONE\n    name: a.one\n    title: {zh: 甲, en: a}\n    severity: bogus\n"
        "    expr: table4.review.total >= 0\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("rules: [\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text(  # loads, but contradicts itself
        "rules:\n"
        "  - {code: C-ZERO, name: c.zero, title: {zh: 零, en: zero}, severity: error, expr: table4.review.total == 0}\n"
        "  - {code: C-ONE, name: c.one, title: {zh: 一, en: one}, severity: error, expr: table4.review.total == 1}\n",
        encoding="utf-8")
    (tmp_path / "d.yaml").write_text(  # a rule may not take a catalogue code
        "rules:\n  - code: FILE-EMPTY\n    name: d.empty\n    title: {zh: 空, en: empty}\n    severity: error\n"
        "    expr: table4.review.total >= 0\n", encoding="utf-8")
    (tmp_path / "template-like.yaml").write_text("table: table9\nrows: []\n", encoding="utf-8")
    result = run("rules", "lint", "--lang", "en", str(tmp_path))
    assert result.exit_code == 2
    lines = result.output.splitlines()
    found = [(line.split("]")[0].split("[")[1], line.split(": ", 1)[1].split(":")[0].rsplit("/", 1)[1])
             for line in lines[:-1]]
    assert sorted(found) == [("RULE-CONTRADICTION", "c.yaml"), ("RULE-DUPLICATE-CODE", "d.yaml"),
                             ("RULE-SYNTAX", "b.yaml"), ("RULE-VALUE", "a.yaml")]
    assert lines[-1] == "4 file(s), 4 error(s), 0 warning(s); 1 data file(s) are not rule files (not checked)"


def test_a_rule_file_that_takes_a_catalogue_code_stops_check(tmp_path):
    (tmp_path / "d.yaml").write_text(MINE.replace("MY-GRANTED-LE-NEW", "N-OUTCOME"), encoding="utf-8")
    result = run("check", "--rules", str(tmp_path), REPORT)
    assert result.exit_code == 2
    assert "错误[RULE-DUPLICATE-CODE]" in result.output and "N-OUTCOME" in result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------------------------------ unknown codes


def test_an_unknown_code_in_disable_stops_the_run_and_names_the_nearest_codes():
    result = run("check", "--disable", "T3-BALANCX", REPORT)
    assert result.exit_code == 2
    assert result.output == ("错误[USAGE-UNKNOWN-CODE]：--disable：未知的代码 T3-BALANCX（最接近的已知代码：T3-BALANCE）。"
                             "auditor rules list 列出全部代码\n")
    english = run("check", "--lang", "en", "--disable", "N-OUTCOM", "--disable", "ZZZ", REPORT)
    assert english.exit_code == 2
    assert english.output == ("error[USAGE-UNKNOWN-CODE]: --disable: unknown code N-OUTCOM (nearest known codes: "
                              "N-OUTCOME); unknown code ZZZ. auditor rules list lists every code\n")


def test_an_unknown_code_in_severity_stops_the_run():
    result = run("check", "--lang", "en", "--severity", "T3-ROW-TOTL=info", REPORT)
    assert result.exit_code == 2
    assert result.output.startswith("error[USAGE-UNKNOWN-CODE]: --severity T3-ROW-TOTL: unknown code T3-ROW-TOTL "
                                    "(nearest known codes: T3-ROW-TOTAL")


def test_known_codes_families_and_letter_case_apply():
    base = codes_of(run("check", "--format", "json", REPORT))
    assert ("T3-ROW-TOTAL", "warning") in base and any(code.startswith("N-") for code, _ in base)
    # a family prefix ending in a hyphen stands for every code it starts; letter case is not significant
    narrowed = codes_of(run("check", "--format", "json", "--disable", "N-", "--severity", "t3-row-total=info", REPORT))
    assert not any(code.startswith("N-") for code, _ in narrowed)
    assert ("T3-ROW-TOTAL", "info") in narrowed and ("T3-OUTCOME-TOTAL", "warning") in narrowed
    family = codes_of(run("check", "--format", "json", "--severity", "T3-=review", REPORT))
    assert {severity for code, severity in family if code.startswith("T3-")} == {"review"}
    # a prefix that starts no code is unknown like any other name
    assert run("check", "--disable", "QQ-", REPORT).exit_code == 2


def test_codes_of_extra_rule_files_are_known(tmp_path):
    (tmp_path / "mine.yaml").write_text(MINE, encoding="utf-8")
    assert run("check", "--disable", "MY-GRANTED-LE-NEW", REPORT).exit_code == 2
    result = run("check", "--rules", str(tmp_path), "--disable", "MY-GRANTED-LE-NEW", "--format", "json", REPORT)
    assert result.exit_code == 0 and "T3-ROW-TOTAL" in result.output


def test_unknown_codes_in_the_configuration_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / ".auditor.toml"
    config.write_text('disable = ["N-NOT-CHECKD"]\n[severity]\n"T3-BALANCE" = "info"\n"XX" = "info"\n'
                      '[per-file-ignores]\n"*.html" = ["T3-ROW-TOTAL", "T3-OUTCOME-TOTL"]\n', encoding="utf-8")
    result = run("check", REPORT)
    assert result.exit_code == 2
    assert result.output == (
        f"错误[CONFIG-UNKNOWN-CODE]：{config}: disable：未知的代码 N-NOT-CHECKD（最接近的已知代码：N-NOT-CHECKED）；"
        "severity.XX：未知的代码 XX；per-file-ignores.*.html：未知的代码 T3-OUTCOME-TOTL（最接近的已知代码："
        "T3-OUTCOME-TOTAL、T3-ROW-TOTAL、N-OUTCOME）。auditor rules list 列出全部代码\n")
    english = run("check", "--lang", "en", REPORT).output
    assert english.startswith(f"error[CONFIG-UNKNOWN-CODE]: {config}: disable: unknown code N-NOT-CHECKD")


def test_configuration_codes_and_families_apply(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".auditor.toml").write_text(
        'disable = ["N-"]\n[severity]\n"T3-OUTCOME-TOTAL" = "review"\n'
        '[per-file-ignores]\n"*.html" = ["t3-row-total"]\n', encoding="utf-8")
    found = codes_of(run("check", "--format", "json", REPORT))
    assert ("T3-OUTCOME-TOTAL", "review") in found
    assert not any(code.startswith("N-") or code == "T3-ROW-TOTAL" for code, _ in found)
    # the command line wins over the file
    found = codes_of(run("check", "--format", "json", "--severity", "T3-OUTCOME-TOTAL=info", REPORT))
    assert ("T3-OUTCOME-TOTAL", "info") in found


def test_batch_knows_its_extra_rule_codes(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "mine.yaml").write_text(MINE, encoding="utf-8")
    db = str(tmp_path / "audit.sqlite")
    unknown = run("batch", "--db", db, "--disable", "MY-GRANTED-LE-NEW", REPORT)
    assert unknown.exit_code == 2 and unknown.output.startswith("错误[USAGE-UNKNOWN-CODE]：--disable：未知的代码 MY-")
    known = run("batch", "--db", db, "-j", "1", "--no-progress", "--rules", str(tmp_path / "rules"),
                "--disable", "MY-GRANTED-LE-NEW", REPORT)
    assert known.exit_code == 0, known.output


# ------------------------------------------------------------------------------ the pieces


def test_code_names_resolve():
    names = CodeNames(["T3-BALANCE", "T3-ROW-TOTAL", "N-OUTCOME", "internal-error"])
    assert names.resolve(["t3-", "INTERNAL-ERROR", "T3-BALANCE"]) == (
        ["T3-BALANCE", "T3-ROW-TOTAL", "internal-error"], [])
    codes, unknown = names.resolve(["N-OUTCOMES", "-", "N"])
    assert codes == [] and [(u.name, u.nearest) for u in unknown] == [("N-OUTCOMES", ("N-OUTCOME",)), ("-", ()),
                                                                       ("N", ())]


@pytest.mark.parametrize("data, message", [
    ({"codes": "x"}, "top level"),
    ({"codes": [{"code": "A-B"}]}, "exactly the keys"),
    ({"codes": [dict(code="A-B", name="a", kind="odd", severity="error", title={"zh": "甲", "en": "a"},
                     help={"zh": "甲", "en": "a"})]}, "kind must be"),
    ({"codes": [dict(code="A-B", name="a", kind="file", severity="error", title={"zh": "甲"},
                     help={"zh": "甲", "en": "a"})]}, "`title` needs"),
    ({"codes": [dict(code="A-B", name="a", kind="file", severity="error", title={"zh": "甲", "en": "a"},
                     help={"zh": "甲", "en": "a"})] * 2}, "defined twice"),
])
def test_the_catalogue_file_is_validated(data, message):
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(data)
