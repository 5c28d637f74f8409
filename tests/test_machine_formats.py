"""Machine formats of `check`: SARIF 2.1.0 (schema-validated), JUnit, GitHub annotations, CSV, JSONL,
baselines and configuration files."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
from click.testing import CliRunner

from auditor.cli.main import main
from conftest import SCHEMAS, report_path

SARIF_SCHEMA = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def run(*args, env=None):
    result = CliRunner(env=env).invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def changed_copy(tmp_path: Path, name: str = "tianshui-2020.txt", old: str = "67", new: str = "76") -> Path:
    """A real report with one table-3 number changed (予以公开 / 自然人 67 -> 76)."""
    lines = report_path(name).read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line.strip() == "（一）予以公开" or line.strip() == "(一)予以公开")
    value_line = next(i for i in range(index + 1, len(lines)) if lines[i].strip())
    assert lines[value_line].strip() == old
    lines[value_line] = new
    target = tmp_path / name
    target.write_text("\n".join(lines), encoding="utf-8")
    return target


def test_sarif_validates_for_a_failing_and_a_clean_report(tmp_path):
    for path in (changed_copy(tmp_path), report_path("guidong-2020.txt")):
        _, output = run("check", "--format", "sarif", path)
        document = json.loads(output)
        jsonschema.validate(document, SARIF_SCHEMA)
        run_ = document["runs"][0]
        ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
        assert "T3-BALANCE" in ids and "T4-GROUP-TOTAL" in ids
        for result in run_["results"]:
            assert run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    errors = [r for r in json.loads(run("check", "--format", "sarif", changed_copy(tmp_path))[1])["runs"][0]["results"]
              if r["level"] == "error"]
    assert errors and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] > 0 for r in errors)


def test_junit_failures_equal_the_error_findings(tmp_path):
    paths = [changed_copy(tmp_path), report_path("guilin-2020.txt"), report_path("shanghai-kewei-2024.md")]
    _, output = run("check", "--format", "junit", *paths)
    _, data = run("check", "--format", "json", *paths)
    errors = sum(1 for r in json.loads(data)["reports"] for f in r["findings"] if f["severity"] == "error")
    root = ET.fromstring(output)
    assert int(root.get("failures")) == errors == len(root.findall(".//failure"))
    suites = root.findall("testsuite")
    assert len(suites) == 3
    first = suites[0]
    assert int(first.get("tests")) > 200  # one testcase per rule and row/column it ran on
    assert any(case.get("name") == "T3-ROW-TOTAL[row=granted]" for case in first.findall("testcase"))


def test_github_annotations_and_auto_format(tmp_path):
    path = changed_copy(tmp_path)
    _, output = run("check", "--format", "github", path)
    assert output.startswith("::error file=") and ",line=" in output
    _, auto = run("check", "--format", "auto", path, env={"GITHUB_ACTIONS": "true"})
    assert auto == output
    _, plain = run("check", "--format", "auto", path, env={"GITHUB_ACTIONS": ""})
    assert "::error" not in plain and "T3-" in plain


def test_csv_and_jsonl_have_one_row_per_finding(tmp_path):
    path = changed_copy(tmp_path)
    _, data = run("check", "--format", "json", path)
    findings = json.loads(data)["reports"][0]["findings"]
    _, table = run("check", "--format", "csv", path)
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == len(findings) and rows[0]["code"] == findings[0]["code"]
    assert {r["row"] for r in rows if r["code"] == "T3-ROW-TOTAL"} == {"granted"}
    _, lines = run("check", "--format", "jsonl", path)
    assert [json.loads(line)["code"] for line in lines.splitlines()] == [f["code"] for f in findings]


def test_baseline_then_only_new_findings_fail(tmp_path):
    path = changed_copy(tmp_path)
    baseline = tmp_path / "baseline.json"
    code, _ = run("baseline", path, "-o", baseline)
    assert code == 0 and baseline.exists()
    assert run("check", "--baseline", baseline, path)[0] == 0
    # one more changed number inside the same failing row is a new finding
    text = path.read_text(encoding="utf-8").replace("\n13\n", "\n14\n", 1)
    path.write_text(text, encoding="utf-8")
    code, output = run("check", "--baseline", baseline, path)
    assert code == 1


def test_configuration_file_is_discovered(tmp_path, monkeypatch):
    path = changed_copy(tmp_path)
    (tmp_path / ".auditor.toml").write_text(
        'fail-on = "never"\ndisable = ["T3-BALANCE"]\n[severity]\n"T3-ROW-TOTAL" = "warning"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, output = run("check", "--format", "json", path.name)
    assert code == 0
    codes = {(f["code"], f["severity"]) for f in json.loads(output)["reports"][0]["findings"]}
    assert ("T3-ROW-TOTAL", "warning") in codes and not any(c == "T3-BALANCE" for c, _ in codes)
    (tmp_path / ".auditor.toml").write_text('fail-on = "sometimes"\n', encoding="utf-8")
    code, output = run("check", path.name)
    assert code == 2 and ".auditor.toml" in output


def test_per_file_ignores_in_pyproject(tmp_path, monkeypatch):
    path = changed_copy(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.auditor]\n[tool.auditor.per-file-ignores]\n"tianshui-*.txt" = ["T3-ROW-TOTAL", "T3-BALANCE", '
        '"T3-OUTCOME-TOTAL"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _ = run("check", path.name)
    assert code == 0


def test_sarif_of_hongze_2023_names_its_two_table4_errors_with_their_page():
    _, output = run("check", "--format", "sarif", report_path("hongze-2023.pdf"))
    document = json.loads(output)
    jsonschema.validate(document, SARIF_SCHEMA)
    errors = [r for r in document["runs"][0]["results"] if r["level"] == "error"]
    assert [r["ruleId"] for r in errors] == ["T4-GROUP-TOTAL", "T4-GROUP-TOTAL"]
    assert all(r["locations"][0]["properties"]["page"] == 4 for r in errors)
    names = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in errors}
    assert names == {"table4.review.total", "table4.litigation_after_review.total"}


def test_sarif_of_reports_with_narrative_findings_does_not_crash():
    # N-* findings have no rule file: the rules table crashed on them (AttributeError, exit 1)
    # the descriptor's default level is the catalogue's default severity (N-LIST-SUM: error, when parts
    # exceed the whole; N-OUTCOME: review); the results' level is the findings' own (review here)
    for name, code, default in (("shanghai-kewei-2024.md", "N-LIST-SUM", "error"),
                                ("shanghai-bgt-2019.html", "N-OUTCOME", "note")):
        result = CliRunner().invoke(main, ["check", "--format", "sarif", str(report_path(name))])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code == 0  # their worst findings are warnings
        document = json.loads(result.output)
        jsonschema.validate(document, SARIF_SCHEMA)
        run_ = document["runs"][0]
        descriptor = next(r for r in run_["tool"]["driver"]["rules"] if r["id"] == code)
        assert descriptor["defaultConfiguration"]["level"] == default
        levels = {r["level"] for r in run_["results"] if r["ruleId"] == code}
        assert levels == {"note"}


def test_sarif_describes_a_code_missing_from_the_catalogue_by_its_findings():
    from auditor.model.findings import AuditResult, Finding
    from auditor.write.sarif import sarif_document

    finding = Finding(code="X-NEW", name="x.new", severity="warning", message="新问题")
    document = sarif_document([AuditResult(file="a.txt", findings=[finding])])
    jsonschema.validate(document, SARIF_SCHEMA)
    (descriptor,) = document["runs"][0]["tool"]["driver"]["rules"]
    assert descriptor["id"] == "X-NEW" and descriptor["name"] == "x.new"
    assert descriptor["defaultConfiguration"]["level"] == "warning"
    assert document["runs"][0]["results"][0]["level"] == "warning"


JUNIT_XSD = SCHEMAS / "junit.xsd"
RANK = {"error": 3, "warning": 2, "review": 1, "info": 0}


def test_every_format_fails_the_same_findings_as_the_exit_status():
    # kewei: 2 warnings + a review N-LIST-SUM; bgt: warnings, review and info N-* findings
    paths = [str(report_path("shanghai-kewei-2024.md")), str(report_path("shanghai-bgt-2019.html"))]
    code, data = run("check", "--format", "json", "--fail-on", "warning", *paths)
    data = json.loads(data)
    findings = [f for r in data["reports"] for f in r["findings"]]
    failing = [f for f in findings if RANK[f["severity"]] >= RANK["warning"]]
    assert data["fail_on"] == "warning" and data["failing"] == len(failing) > 0 and code == 1
    assert any(f["code"].startswith("N-") for f in findings)

    code, output = run("check", "--format", "junit", "--fail-on", "warning", *paths)
    root = ET.fromstring(output)
    assert code == 1 and int(root.get("failures")) == len(root.findall(".//failure")) == len(failing)
    below = "\n".join(out.text for out in root.iter("system-out"))
    for finding in findings:  # every finding is written: as a failure, or in its case's output
        if finding in failing:
            continue
        assert f"[{finding['severity']}] {finding['code']}: {finding['message']}" in below
    assert below.count("] N-") == sum(1 for f in findings if f["code"].startswith("N-"))

    code, output = run("check", "--format", "github", "--fail-on", "warning", *paths)
    commands = [line.split(" ", 1)[0] for line in output.splitlines()]
    assert code == 1 and commands.count("::error") == len(failing) and len(commands) == len(findings)
    assert commands.count("::notice") == len(findings) - len(failing)  # the review and info ones
    assert ",title=T3-ROW-TOTAL (警告)::" in output  # a warning shown as an error says what it is

    code, output = run("check", "--format", "sarif", "--fail-on", "warning", *paths)
    run_ = json.loads(output)["runs"][0]
    assert [r["level"] == "error" for r in run_["results"]] == [f in failing for f in findings]
    assert run_["invocations"][0]["exitCode"] == code == 1 and run_["properties"]["fail_on"] == "warning"


def test_fail_on_never_shows_no_finding_as_failing(tmp_path):
    path = str(changed_copy(tmp_path))  # real error findings
    code, output = run("check", "--format", "junit", "--fail-on", "never", path)
    root = ET.fromstring(output)
    assert code == 0 and root.get("failures") == "0" and "[error] T3-ROW-TOTAL" in output
    code, output = run("check", "--format", "github", "--fail-on", "never", path)
    assert code == 0 and "::error" not in output and output.startswith("::warning ")
    code, output = run("check", "--format", "text", "--fail-on", "never", "--lang", "en", path)
    assert code == 0 and output.rstrip().endswith("(exit status 0)")
    code, output = run("check", "--format", "text", path)
    assert code == 1 and output.rstrip().endswith("（退出码 1）")


def test_junit_validates_against_the_ant_jenkins_schema(tmp_path):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
    _, output = run("check", "--format", "junit", "--fail-on", "review", changed_copy(tmp_path),
                    report_path("shanghai-bgt-2019.html"))
    schema.assertValid(etree.fromstring(output.encode("utf-8")))
    # the schema is not vacuous: a failure without its type, or after the case's output, is refused
    bad = b'<testsuites><testsuite name="a" tests="1"><testcase name="x" classname="X"><failure/></testcase>' \
          b'</testsuite></testsuites>'
    assert not schema.validate(etree.fromstring(bad))
    bad = b'<testsuites><testsuite name="a" tests="1"><testcase name="x" classname="X"><system-out>o</system-out>' \
          b'<failure type="X"/></testcase></testsuite></testsuites>'
    assert not schema.validate(etree.fromstring(bad))


def test_junit_keeps_text_xml_cannot_carry_out_of_the_file():
    from auditor.model.findings import AuditResult, Finding
    from auditor.write.junit import write_junit

    finding = Finding(code="X-1", severity="error", message="bad \x0c char", sentence="a\x00b")
    output = write_junit([AuditResult(file="a\x1b.txt", findings=[finding])])
    root = ET.fromstring(output)  # parses: the characters are replaced
    assert root.find(".//failure").get("message") == "bad \ufffd char"
