"""The whole flow for one file: load -> extract -> rules -> findings. Batch and CLI both call this.

A file that cannot be read becomes a finding; a fault in our own code becomes that file's
``internal-error`` finding. Nothing here raises for a bad input file.
"""
from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Callable, Optional

from . import limits
from .check.engine import run_rules
from .policy import RunConfig
from .check.narrative import check_narrative, check_year_on_year
from .check.document import check_document
from .check.document.sameness import narrative_paragraphs
from .extract.tables import extract
from .load import LoadError, load_bytes, load_path
from .locate.search import locate
from .model.findings import AuditResult, ClaimSummary, Finding, Status
from .model.report import Document, Report
from .problems import INTERNAL_ERROR, problem_finding

def extraction_findings(report: Report, config: RunConfig) -> list[Finding]:
    findings = []
    if report.template.overall == "pre-2019":
        findings.append(problem_finding(
            "PRE-2019",
            f"{report.year}年度报告早于2019年国家统一模板，按旧式报告处理，不套用表二至表四的勾稽关系",
            f"{report.year} report predates the 2019 national template; the table relations do not apply",
            config.lang, file=report.file))
    for note in report.notes:
        finding = problem_finding(note.code, note.message_zh, note.message_en, config.lang,
                                  file=report.file, source=note.source)
        findings.append(finding)
    return findings


def audit_report(report: Report, rules, config: RunConfig, document: Optional[Document] = None) -> AuditResult:
    relations: list = []  # every linear relation evaluated, for locate (which cells are wrong)
    findings, stats = run_rules(report, rules, config, relations)
    findings = extraction_findings(report, config) + findings
    located = locate(report, relations, config)
    findings, corrections = located.with_suspects(findings), located.corrections
    claims = ClaimSummary()
    paragraphs: list[str] = []  # the narrative's, kept by the batch store (XY-COPIED-TEXT next year)
    if document is not None:  # the narrative against the tables (auditor/narrative): needs the text
        narrative, claims = check_narrative(report, document, config)
        findings += narrative
        findings += check_document(report, document, config)  # the report as a document (structure, dates…)
        paragraphs = narrative_paragraphs(document, report)
    return AuditResult(file=report.file, agency=report.agency, year=report.year, template=report.template,
                       findings=config.apply(findings, report.file), stats=stats, tables=report.tables, corrections=corrections,
                       claims=claims, narrative=paragraphs)


def result_report(result: AuditResult) -> Report:
    """The tables of an audited report as a Report (what the cross-report checks read), no reload."""
    return Report.model_construct(file=result.file, agency=result.agency, year=result.year, template=result.template,
                                  tables=result.tables, notes=[], images=[])


def recheck_year_on_year(result: AuditResult, previous: AuditResult, config: RunConfig) -> None:
    """Check ``result``'s year-on-year claims against ``previous``, last year's report of the same
    agency audited in the same run: their notes ("单份报告无法核对同比变化") give way to what the two
    years' tables say (N-YOY, or a note naming the missing count); the coverage follows."""
    kept = result.claims.year_on_year
    if not kept or not previous.tables:
        return
    found, summary = check_year_on_year(kept, result_report(result), result_report(previous), config)
    claims = set((k.sentence, k.text) for k in kept)

    def replaced(finding: Finding) -> bool:  # the one-report note on a kept claim
        return (finding.name == "narrative.yoy" and finding.status == Status.not_assessable
                and any(finding.sentence == sentence and f"“{text}”" in finding.message_zh for sentence, text in claims))

    result.findings = [f for f in result.findings if not replaced(f)] + config.apply(found, result.file)
    coverage = result.claims
    coverage.not_checked = [n for n in coverage.not_checked if (n.sentence, n.text) not in claims] + summary.not_checked
    coverage.checked += summary.checked
    coverage.agreed += summary.agreed
    coverage.year_on_year = []


def pair_year_on_year(results: list[AuditResult], config: RunConfig,
                      agency_key: Callable[[Optional[str]], Optional[str]] = lambda name: name) -> None:
    """Within one run's results: each report's year-on-year claims checked against last year's report
    of the same agency (``agency_key`` gives the comparable form of a name), when exactly one such
    report (with tables) is among them."""
    by_identity: dict[tuple[str, int], list[AuditResult]] = {}
    for result in results:
        agency = agency_key(result.agency)
        if agency and result.year is not None and result.tables:
            by_identity.setdefault((agency, result.year), []).append(result)
    for result in results:
        agency = agency_key(result.agency)
        if result.claims.year_on_year and agency and result.year is not None:
            previous = by_identity.get((agency, result.year - 1), [])
            if len(previous) == 1:  # two candidates: which one the narrative meant is not known
                recheck_year_on_year(result, previous[0], config)


def _failure(file: str, code: str, zh: str, en: str, config: RunConfig) -> AuditResult:
    return AuditResult(file=file, findings=config.apply([problem_finding(code, zh, en, config.lang, file=file)], file))


def audit_file(path: str | Path, rules, config: RunConfig, data: Optional[bytes] = None,
               timings: Optional[dict[str, float]] = None) -> AuditResult:
    """Audit one file within ``config.limits``; always returns a result, never raises for the file's sake.
    ``timings``, when given, receives the seconds of each stage reached (load, extract, check)."""
    file = str(path)
    timings = {} if timings is None else timings
    try:
        with limits.guarded(file, config.limits):
            started = time.perf_counter()
            document = load_bytes(data, file) if data is not None else load_path(path)
            loaded = time.perf_counter()
            timings["load"] = loaded - started
            report = extract(document)
            extracted = time.perf_counter()
            timings["extract"] = extracted - loaded
            result = audit_report(report, rules, config, document)
            timings["check"] = time.perf_counter() - extracted
            return result
    except LoadError as error:  # the file's own problem, a limit included
        return _failure(file, error.code, error.message_zh, error.message_en, config)
    except Exception as error:  # our own fault: recorded as the file's finding, the batch goes on
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        return _failure(file, INTERNAL_ERROR, f"审核 {file} 时程序内部出错：{detail}",
                        f"internal error while auditing {file}: {detail}", config)
