"""Findings that come from no rule file: unreadable files, limits, absent tables, extraction
doubts, internal faults. Their codes, severities and titles are in ``rules/catalogue.yaml``."""
from __future__ import annotations

from typing import Optional

from .catalogue import Problem, lookup
from .model.findings import Finding, Severity, Status
from .model.report import Source


INTERNAL_ERROR = "internal-error"

def problem_finding(code: str, message_zh: str, message_en: str, lang: str = "zh", file: Optional[str] = None,
                    source: Optional[Source] = None, severity: Optional[Severity] = None) -> Finding:
    """A finding for a catalogue code; loaders raise lower-case spellings ("file-empty"), which are the same
    code. A code the catalogue does not know (an extraction note of a newer loader) is a warning."""
    problem = lookup(code) or Problem(
        code.upper(), code.lower().replace("-", "_"), "warning", "extraction", message_zh, message_en)
    return Finding(
        code=problem.code,
        name=problem.name,
        severity=severity or Severity(problem.severity),
        status=Status.problem,
        kind=problem.kind,
        message=message_zh if lang == "zh" else message_en,
        message_zh=message_zh,
        message_en=message_en,
        file=file,
        source=source,
    )
