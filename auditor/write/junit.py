"""JUnit XML: a testsuite per report, a testcase per rule and row/column it ran on, a <failure> per
error finding — so the failure count equals the number of error findings."""
from __future__ import annotations

from xml.etree import ElementTree as ET

from ..engine import rule_instances
from ..findings import AuditResult, Finding
from ..model import Report
from . import register


def _case_name(code: str, bindings: dict[str, str]) -> str:
    if not bindings:
        return code
    return f"{code}[{','.join(f'{k}={v}' for k, v in sorted(bindings.items()))}]"


def _report(result: AuditResult) -> Report:
    return Report(file=result.file, agency=result.agency, year=result.year, template=result.template,
                  tables=result.tables)


def _failure_text(finding: Finding) -> str:
    lines = [finding.message]
    if finding.relation:
        lines.append(f"relation: {finding.relation}")
    for cell in finding.cells:
        lines.append(f"{cell.table}.{cell.row}.{cell.column} = {cell.raw!r} ({cell.state})")
    return "\n".join(lines)


def junit_tree(results: list[AuditResult], rules=()) -> ET.Element:
    root = ET.Element("testsuites", name="auditor")
    total_tests = total_failures = 0
    for result in results:
        suite = ET.SubElement(root, "testsuite", name=result.file)
        cases: dict[str, ET.Element] = {}
        report = _report(result)
        for rule in rules:
            for bindings, _ in rule_instances(rule, report):
                name = _case_name(rule.code, bindings)
                cases[name] = ET.SubElement(suite, "testcase", classname=rule.code, name=name)
        failures = 0
        for finding in result.findings:
            if finding.severity.value != "error":
                continue
            name = _case_name(finding.code, finding.bindings)
            case = cases.get(name)
            if case is None or case.find("failure") is not None:
                case = ET.SubElement(suite, "testcase", classname=finding.code, name=name)
                cases[name + f"#{len(cases)}"] = case
            failure = ET.SubElement(case, "failure", message=finding.message, type=finding.code)
            failure.text = _failure_text(finding)
            failures += 1
        suite.set("tests", str(len(suite)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total_tests += len(suite)
        total_failures += failures
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    return root


@register("junit")
def write_junit(results: list[AuditResult], lang: str = "zh", rules=(), **_) -> str:
    tree = junit_tree(results, rules)
    ET.indent(tree)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(tree, encoding="unicode") + "\n"
