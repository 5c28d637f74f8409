"""One line per finding, as linters print them: ``path:line:col: CODE [severity] message``.

Editors, grep and CI problem matchers read this form. The location is the finding's source: a text
file's line (and column), an HTML element's source line and column with its element path after the
message (``<td>`` … ``/html/body/table[2]/tr[5]/td[3]``), a PDF's page (``path:page:``; the box is in
``--output-format json``). A finding with no place in the file (a missing table, an unreadable file)
is ``path: CODE …``: no line is made up. The severity is the code's word (error|warning|review|info,
the values ``--fail-on`` takes) so that a matcher needs one pattern for both languages; the message
is in the run's language. ``grouped`` is the same lines under one heading per file.
"""
from __future__ import annotations

from ..model.findings import AuditResult, Finding
from .levels import DEFAULT_FAIL_ON
from .text_format import fail_line, summary_line


def location(finding: Finding, file: str) -> tuple[str, str]:
    """(``line:col`` or ``page`` or "", the element path or "") of a finding."""
    source = finding.source
    if source is None:
        return "", ""
    if source.page is not None:
        return str(source.page), ""
    if source.line is not None:
        return f"{source.line}" + (f":{source.column}" if source.column else ""), source.path or ""
    return "", source.path or ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def finding_line(finding: Finding, file: str) -> str:
    where, element = location(finding, file)
    message = _one_line(finding.message) + (f" ({element})" if element else "")
    return f"{file}:{where + ':' if where else ''} {finding.code} [{finding.severity.value}] {message}"


def _footer(results: list[AuditResult], lang: str, fail_on: str) -> list[str]:
    return [summary_line(results, lang), fail_line(results, fail_on or DEFAULT_FAIL_ON, lang)]


def write_concise(results: list[AuditResult], lang: str = "zh", fail_on: str = DEFAULT_FAIL_ON, **_) -> str:
    lines = [finding_line(f, f.file or r.file) for r in results for f in r.findings]
    return "\n".join(lines + _footer(results, lang, fail_on)) + "\n"


def write_grouped(results: list[AuditResult], lang: str = "zh", fail_on: str = DEFAULT_FAIL_ON, **_) -> str:
    """The concise lines under one heading per file (cross-report findings under their own file)."""
    groups: dict[str, list[Finding]] = {}
    for result in results:
        groups.setdefault(result.file, [])
        for finding in result.findings:
            groups.setdefault(finding.file or result.file, []).append(finding)
    out: list[str] = []
    for file, findings in groups.items():
        if not findings:
            continue
        out.append(f"{file}:")
        for finding in findings:
            where, element = location(finding, file)
            message = _one_line(finding.message) + (f" ({element})" if element else "")
            out.append(f"  {where or '-'}: {finding.code} [{finding.severity.value}] {message}")
        out.append("")
    return "\n".join(out + _footer(results, lang, fail_on)) + "\n"
