"""The report as a document (issue 18): the parts of the national format, years and dates, fees,
all-zero tables, and sameness with last year's report. Knowledge: rules/document/document.yaml;
codes: rules/catalogue.yaml (kind ``document``; the pair checks are ``crossyear``).

``CHECKS`` is the registry: each entry reads a ``Context`` and returns findings. ``check_document``
runs those whose codes the run has not disabled; it is what the pipeline calls.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Optional

from ...model.findings import Finding
from ...model.report import Document, Report
from ...policy import RunConfig
from . import dates, fees, structure, zeros
from .context import Context

# name -> (the codes it can emit, the check)
CHECKS: dict[str, tuple[tuple[str, ...], Callable[[Context], list[Finding]]]] = {
    "parts": ((structure.PART_MISSING, structure.PART_ORDER, structure.PART_NUMBER, structure.PART_DUPLICATE,
               structure.PART_EMPTY), structure.check_parts),
    "government_contents": ((structure.GOV_CONTENT,), structure.check_government_contents),
    "years": ((dates.YEAR_MISMATCH, dates.PERIOD), dates.check_years),
    "deadline": ((dates.LATE,), dates.check_deadline),
    "fees": ((fees.FEE_CONFLICT,), fees.check_fees),
    "all_zero": ((zeros.ALL_ZERO,), zeros.check_all_zero),
}


def check_document(report: Report, document: Document, config: RunConfig,
                   published: Optional[dt.date] = None) -> list[Finding]:
    """The document findings of one report (the run's severities are applied by the caller)."""
    ctx = Context(report, document, config, published or config.published_on(report.file))
    findings: list[Finding] = []
    for codes, check in CHECKS.values():
        if any(config.enabled(code) for code in codes):
            findings += [f for f in check(ctx) if config.enabled(f.code)]
    return findings


__all__ = ["CHECKS", "Context", "check_document"]
