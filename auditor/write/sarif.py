"""SARIF 2.1.0: one run, a rules table with zh/en help, results with level and locations.

Levels (write/levels.py): a rule's ``defaultConfiguration.level`` is its code's default severity; a
result's ``level`` is ``error`` when the finding fails the run (``--fail-on``), else ``warning`` or
``note`` by its severity in this run, which ``properties.severity`` keeps. ``invocations[0].exitCode``
is the run's exit status and ``properties.fail_on`` its fail level."""
from __future__ import annotations

import json

from .. import __version__
from ..model.findings import AuditResult, Finding
from .levels import DEFAULT_FAIL_ON, default_level, failing_count, fails, shown_level
from .rule_catalogue import CodeInfo, code_catalogue

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _location(result: AuditResult, finding: Finding) -> dict:
    source = finding.source
    physical: dict = {"artifactLocation": {"uri": (finding.file or result.file).replace("\\", "/")}}
    if source is not None and source.line:
        region = {"startLine": source.line}
        if source.column:
            region["startColumn"] = source.column
        physical["region"] = region
    location: dict = {"physicalLocation": physical}
    if source is not None and source.page is not None:
        location["message"] = {"text": f"page {source.page}"}
        location["properties"] = {"page": source.page, **({"box": list(source.box)} if source.box else {})}
    if finding.cells:
        cell = finding.cells[0]
        location["logicalLocations"] = [{"name": f"{cell.row}/{cell.column}",
                                         "fullyQualifiedName": f"{cell.table}.{cell.row}.{cell.column}",
                                         "kind": "element"}]
    return location


def _fingerprint(finding: Finding) -> str:
    cells = ",".join(f"{c.table}.{c.row}.{c.column}={c.raw}" for c in finding.cells)
    return f"{finding.code}|{cells}"


def _code_info(code: str, catalogue: dict[str, CodeInfo], findings: list[Finding]) -> CodeInfo:
    """The catalogue's entry; a code missing from it (a rule-less finding) is described by its
    findings: their name, and the worst severity they have in this run as the default."""
    if code in catalogue:
        return catalogue[code]
    worst = max((f.severity for f in findings), key=lambda s: s.rank, default=None)
    name = next((f.name for f in findings if f.name), code)
    return CodeInfo(code, name, worst.value if worst else "warning", code, code)


def sarif_document(results: list[AuditResult], lang: str = "zh", rules=(), fail_on: str = DEFAULT_FAIL_ON) -> dict:
    fail_on = fail_on or DEFAULT_FAIL_ON
    catalogue = code_catalogue(rules)
    by_code: dict[str, list[Finding]] = {}
    for result in results:
        for finding in result.findings:
            by_code.setdefault(finding.code, []).append(finding)
    used = sorted(set(by_code) | {r.code for r in rules})
    descriptors, index = [], {}
    for code in used:
        info = _code_info(code, catalogue, by_code.get(code, []))
        index[code] = len(descriptors)
        descriptors.append({
            "id": code,
            "name": info.name,
            "shortDescription": {"text": info.title_zh if lang == "zh" else info.title_en},
            "fullDescription": {"text": f"{info.title_zh} / {info.title_en}"},
            "help": {"text": (info.doc_zh if lang == "zh" else info.doc_en) or f"{info.title_zh} / {info.title_en}"},
            "defaultConfiguration": {"level": default_level(info.severity)},
            "properties": {"title_zh": info.title_zh, "title_en": info.title_en, "severity": info.severity},
        })
    sarif_results = []
    for result in results:
        for finding in result.findings:
            entry = {
                "ruleId": finding.code,
                "ruleIndex": index[finding.code],
                "level": shown_level(finding, fail_on),
                "message": {"text": finding.message},
                "locations": [_location(result, finding)],
                "partialFingerprints": {"auditorFinding/v1": _fingerprint(finding)},
                "properties": {"severity": finding.severity.value, "status": finding.status.value,
                               "fails": fails(finding, fail_on),
                               **({"relation": finding.relation} if finding.relation else {})},
            }
            sarif_results.append(entry)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "auditor", "version": __version__, "semanticVersion": __version__,
                                "rules": descriptors}},
            # executionSuccessful: the audit ran; findings are results, not a failed execution
            "invocations": [{"executionSuccessful": True,
                             "exitCode": 1 if failing_count(results, fail_on) else 0}],
            "results": sarif_results,
            "columnKind": "unicodeCodePoints",
            "properties": {"fail_on": fail_on},
        }],
    }


def write_sarif(results: list[AuditResult], lang: str = "zh", rules=(), fail_on: str = DEFAULT_FAIL_ON,
                **_) -> str:
    return json.dumps(sarif_document(results, lang, rules, fail_on), ensure_ascii=False, indent=2) + "\n"
