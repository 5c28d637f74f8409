"""Flat outputs, one finding per row: CSV (for spreadsheets) and JSON Lines (for pipelines).
``fails`` says whether the finding is at or above the run's fail level (--fail-on, write/levels.py)."""
from __future__ import annotations

import csv
import io
import json
import re

from ..model.findings import AuditResult
from .levels import DEFAULT_FAIL_ON, fails

COLUMNS = ["file", "agency", "year", "template", "code", "severity", "status", "table", "row", "column",
           "raw", "reported", "computed", "difference", "required", "line", "page", "message", "fails"]


def finding_rows(results: list[AuditResult], fail_on: str = DEFAULT_FAIL_ON):
    for result in results:
        for finding in result.findings:
            cell = finding.cells[0] if finding.cells else None
            source = finding.source
            yield {
                "file": finding.file or result.file, "agency": result.agency or "", "year": result.year or "",
                "template": result.template.overall, "code": finding.code, "severity": finding.severity.value,
                "status": finding.status.value, "table": cell.table if cell else "", "row": cell.row if cell else "",
                "column": cell.column if cell else "", "raw": cell.raw if cell else "",
                "reported": _num(finding.reported), "computed": _num(finding.computed),
                "difference": _num(finding.difference), "required": _num(finding.required),
                "line": source.line if source and source.line else "",
                "page": source.page if source and source.page else "", "message": finding.message,
                "fails": "true" if fails(finding, fail_on) else "false",
            }


_FORMULA_START = tuple("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d[\d,]*(\.\d+)?%?$")


def spreadsheet_safe(value):
    """Text a spreadsheet would run as a formula ("=HYPERLINK(…)" in a crafted report) gets a
    leading apostrophe; plain numbers, "-3" included, are left as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _num(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == value.to_integral_value() else str(value.normalize())


def write_csv(results: list[AuditResult], lang: str = "zh", fail_on: str = DEFAULT_FAIL_ON, **_) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: spreadsheet_safe(value) for key, value in row.items()}
                     for row in finding_rows(results, fail_on))
    return buffer.getvalue()


def write_jsonl(results: list[AuditResult], lang: str = "zh", fail_on: str = DEFAULT_FAIL_ON, **_) -> str:
    lines = []
    for result in results:
        for finding in result.findings:
            record = finding.model_dump(mode="json")
            record.update(agency=result.agency, year=result.year, template=result.template.overall,
                          file=finding.file or result.file, fails=fails(finding, fail_on))
            lines.append(json.dumps(record, ensure_ascii=False))
    return "\n".join(lines) + ("\n" if lines else "")
