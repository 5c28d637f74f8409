"""SARIF 2.1.0: one run, a rules table with zh/en help, results with level and locations."""
from __future__ import annotations

import json

from .. import __version__
from ..findings import AuditResult, Finding
from . import register
from .rule_catalogue import code_catalogue

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "review": "note", "info": "note"}


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


def sarif_document(results: list[AuditResult], lang: str = "zh", rules=()) -> dict:
    catalogue = code_catalogue(rules)
    used = sorted({f.code for r in results for f in r.findings} | {r.code for r in rules})
    descriptors, index = [], {}
    for code in used:
        info = catalogue.get(code)
        title_zh = info.title_zh if info else code
        title_en = info.title_en if info else code
        index[code] = len(descriptors)
        descriptors.append({
            "id": code,
            "name": info.name if info else code,
            "shortDescription": {"text": title_zh if lang == "zh" else title_en},
            "fullDescription": {"text": f"{title_zh} / {title_en}"},
            "help": {"text": (info.doc_zh if lang == "zh" else info.doc_en) or f"{title_zh} / {title_en}"},
            "defaultConfiguration": {"level": _LEVEL.get(info.severity if info else "error", "note")},
            "properties": {"title_zh": title_zh, "title_en": title_en},
        })
    sarif_results = []
    for result in results:
        for finding in result.findings:
            entry = {
                "ruleId": finding.code,
                "ruleIndex": index[finding.code],
                "level": _LEVEL[finding.severity.value],
                "message": {"text": finding.message},
                "locations": [_location(result, finding)],
                "partialFingerprints": {"auditorFinding/v1": _fingerprint(finding)},
                "properties": {"severity": finding.severity.value, "status": finding.status.value,
                               **({"relation": finding.relation} if finding.relation else {})},
            }
            sarif_results.append(entry)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "auditor", "version": __version__, "semanticVersion": __version__,
                                "rules": descriptors}},
            "results": sarif_results,
            "columnKind": "unicodeCodePoints",
        }],
    }


@register("sarif")
def write_sarif(results: list[AuditResult], lang: str = "zh", rules=(), **_) -> str:
    return json.dumps(sarif_document(results, lang, rules), ensure_ascii=False, indent=2) + "\n"
