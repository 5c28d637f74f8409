"""The report as a document (issue 18): the parts of the national format, years and dates, fees,
all-zero tables, and sameness with last year's report. Knowledge: rules/document/document.yaml;
codes: rules/catalogue.yaml (kind ``document``; the pair checks are ``crossyear``).

``CHECKS`` is the registry: each entry reads a ``Context`` and returns findings. ``check_document``
runs those whose codes the run has not disabled; it is what the pipeline calls.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Optional

from ...model.findings import Finding
from ...model.report import Document, Report
from ...policy import RunConfig
from . import dates, fees, structure, zeros
from .context import Context

@dataclass(frozen=True)
class DocumentCheck:
    codes: tuple[str, ...]  # the catalogue codes it can emit
    applies: Callable[[Context], bool]  # whether the report gives it something to judge (fixtures ask)
    run: Callable[[Context], list[Finding]]


CHECKS: dict[str, DocumentCheck] = {
    "parts": DocumentCheck((structure.PART_MISSING, structure.PART_ORDER, structure.PART_NUMBER,
                            structure.PART_DUPLICATE, structure.PART_EMPTY), structure.recognised, structure.check_parts),
    "government_contents": DocumentCheck((structure.GOV_CONTENT,), structure.government_applies,
                                         structure.check_government_contents),
    "years": DocumentCheck((dates.YEAR_MISMATCH, dates.PERIOD), dates.years_apply, dates.check_years),
    "deadline": DocumentCheck((dates.LATE,), dates.deadline_applies, dates.check_deadline),
    "fees": DocumentCheck((fees.FEE_CONFLICT,), fees.fees_apply, fees.check_fees),
    "all_zero": DocumentCheck((zeros.ALL_ZERO,), zeros.tables_read, zeros.check_all_zero),
}


def check_of(code: str) -> DocumentCheck:
    """The registered check that emits ``code`` (KeyError for another code)."""
    return next(check for check in CHECKS.values() if code in check.codes)


def check_document(report: Report, document: Document, config: RunConfig,
                   published: Optional[dt.date] = None) -> list[Finding]:
    """The document findings of one report (the run's severities are applied by the caller)."""
    ctx = Context(report, document, config, published or config.published_on(report.file))
    findings: list[Finding] = []
    for check in CHECKS.values():
        if any(config.enabled(code) for code in check.codes):
            findings += [f for f in check.run(ctx) if config.enabled(f.code)]
    return findings


__all__ = ["CHECKS", "Context", "DocumentCheck", "check_document", "check_of"]
