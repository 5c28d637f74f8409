"""JUnit XML (Ant/Jenkins format): a testsuite per report, a testcase per rule and row/column it ran
on, and every finding in a testcase. A finding at or above the run's fail level (``--fail-on``) is a
``<failure>``; one below it is written in its testcase's ``<system-out>`` and does not fail it. So
the failure count is the number of failing findings, and it is > 0 exactly when the exit status is 1.
Findings without a rule instance (narrative, file, template problems) get a testcase of their own."""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from ..check.engine import rule_instances
from ..model.findings import AuditResult, Finding
from ..model.report import Report
from .levels import DEFAULT_FAIL_ON, fails

# XML 1.0 cannot carry these characters at all, escaped or not; a report's raw text may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _case_name(code: str, bindings: dict[str, str]) -> str:
    if not bindings:
        return code
    return f"{code}[{','.join(f'{k}={v}' for k, v in sorted(bindings.items()))}]"


def _report(result: AuditResult) -> Report:
    return Report(file=result.file, agency=result.agency, year=result.year, template=result.template,
                  tables=result.tables)


def _details(finding: Finding) -> list[str]:
    lines = []
    if finding.relation:
        lines.append(f"relation: {finding.relation}")
    for cell in finding.cells:
        lines.append(f"{cell.table}.{cell.row}.{cell.column} = {cell.raw!r} ({cell.state})")
    if finding.sentence:
        lines.append(f"sentence: {finding.sentence}")
    return lines


def _failure_text(finding: Finding) -> str:
    return _xml("\n".join([finding.message, *_details(finding)]))


def _passing_text(finding: Finding) -> str:
    """A finding below the fail level, as a line block of the testcase's output."""
    return "\n".join([f"[{finding.severity.value}] {finding.code}: {finding.message}", *_details(finding)])


class _Suite:
    """The testcases of one report, in order; each holds at most one failure (what most CI tools read)."""

    def __init__(self) -> None:
        self.cases: list[dict] = []  # {"classname", "name", "failure": Finding | None, "out": [str]}
        self.by_name: dict[str, dict] = {}  # the latest case of a name takes that name's findings
        self.seen: dict[str, int] = {}

    def add_case(self, classname: str, name: str) -> dict:
        self.seen[name] = self.seen.get(name, 0) + 1
        shown = name if self.seen[name] == 1 else f"{name} ({self.seen[name]})"
        case = {"classname": classname, "name": shown, "failure": None, "out": []}
        self.cases.append(case)
        self.by_name[name] = case
        return case

    def add_finding(self, finding: Finding, failing: bool) -> bool:
        name = _case_name(finding.code, finding.bindings)
        case = self.by_name.get(name)
        if case is None or (failing and case["failure"] is not None):
            case = self.add_case(finding.code, name)
        if failing:
            case["failure"] = finding
        else:
            case["out"].append(_passing_text(finding))
        return failing


def junit_tree(results: list[AuditResult], rules=(), fail_on: str = DEFAULT_FAIL_ON) -> ET.Element:
    fail_on = fail_on or DEFAULT_FAIL_ON
    root = ET.Element("testsuites", name="auditor")
    total_tests = total_failures = 0
    for result in results:
        suite = _Suite()
        report = _report(result)
        for rule in rules:
            for bindings, _ in rule_instances(rule, report):
                name = _case_name(rule.code, bindings)
                if name not in suite.by_name:
                    suite.add_case(rule.code, name)
        failures = sum(suite.add_finding(f, fails(f, fail_on)) for f in result.findings)
        element = ET.SubElement(root, "testsuite", name=_xml(result.file), tests=str(len(suite.cases)),
                                failures=str(failures), errors="0", skipped="0")
        properties = ET.SubElement(element, "properties")
        ET.SubElement(properties, "property", name="fail_on", value=fail_on)
        ET.SubElement(properties, "property", name="template", value=result.template.overall)
        for case in suite.cases:
            node = ET.SubElement(element, "testcase", classname=_xml(case["classname"]), name=_xml(case["name"]))
            finding = case["failure"]
            if finding is not None:
                failure = ET.SubElement(node, "failure", message=_xml(finding.message), type=_xml(finding.code))
                failure.text = _failure_text(finding)
            if case["out"]:
                ET.SubElement(node, "system-out").text = _xml("\n\n".join(case["out"]))
        total_tests += len(suite.cases)
        total_failures += failures
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    return root


def write_junit(results: list[AuditResult], lang: str = "zh", rules=(), fail_on: str = DEFAULT_FAIL_ON,
                **_) -> str:
    tree = junit_tree(results, rules, fail_on)
    ET.indent(tree)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(tree, encoding="unicode") + "\n"
