"""GitHub Actions workflow commands: one ``::error file=…,line=…::message`` line per finding.

``::error`` marks exactly the findings that fail the run (``--fail-on``, write/levels.py); below the
fail level, error and warning findings are ``::warning`` and review and info ``::notice``."""
from __future__ import annotations

from ..model.findings import AuditResult
from .levels import DEFAULT_FAIL_ON, SEVERITY_LABELS, default_level, shown_level

_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write_github(results: list[AuditResult], lang: str = "zh", fail_on: str = DEFAULT_FAIL_ON, **_) -> str:
    lines = []
    for result in results:
        for finding in result.findings:
            properties = [f"file={_escape_property(finding.file or result.file)}"]
            if finding.source is not None and finding.source.line:
                properties.append(f"line={finding.source.line}")
                if finding.source.column:
                    properties.append(f"col={finding.source.column}")
            level = shown_level(finding, fail_on)
            title = finding.code
            if level != default_level(finding.severity.value):  # --fail-on moved it: say what it is
                title += f" ({SEVERITY_LABELS.get(lang, SEVERITY_LABELS['zh'])[finding.severity.value]})"
            properties.append(f"title={_escape_property(title)}")
            message = finding.message
            if finding.source is not None and finding.source.page is not None:
                message += f" (第{finding.source.page}页)" if lang == "zh" else f" (page {finding.source.page})"
            lines.append(f"::{_COMMAND[level]} {','.join(properties)}::{_escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
