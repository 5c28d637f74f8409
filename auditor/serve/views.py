"""What the workbench's pages show, as plain data: a stored report back as an ``AuditResult``, a
finding's evidence (the source lines around it, the narrative sentence marked), its suspects split
into the best correction and the alternatives."""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..catalogue import title
from ..corpus.review import report_findings
from ..corpus.store import Store
from ..load.encoding import decode_bytes
from ..model.errors import LoadError
from ..model.findings import AuditResult, Finding, Suspect
from ..model.report import Report, Source, TemplateGuess

EXCERPT_LINES = 2  # lines shown either side of the line a finding points at
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".htm", ".html", ".xhtml", ".shtml"}


@dataclass
class StoredReportView:
    id: int
    path: str
    agency: Optional[str]
    year: Optional[int]
    template: Optional[str]
    status: str
    audited_at: str
    content_hash: Optional[str]
    newer: Optional[int] = None  # the id of a newer version (same agency and year)
    result: Optional[AuditResult] = None
    findings: list[dict] = field(default_factory=list)


def load_view(store: Store, report_id: int) -> Optional[StoredReportView]:
    row = store.db.execute("SELECT id, path, COALESCE(agency_read, agency), year, template, status, audited_at,"
                           " content_hash, model, agency FROM reports WHERE id = ?", (report_id,)).fetchone()
    if row is None:
        return None
    view = StoredReportView(*row[:8])
    if row[9] is not None and row[3] is not None:
        newer = store.db.execute("SELECT MAX(id) FROM reports WHERE agency = ? AND year = ? AND id > ?"
                                 " AND content_hash IS NOT ?", (row[9], row[3], row[0], row[7])).fetchone()
        view.newer = newer[0] if newer else None
    view.findings = report_findings(store, report_id)
    findings = [item["finding"] for item in view.findings]
    if row[8] is not None:
        report = Report.model_validate_json(zlib.decompress(row[8]))
        view.result = AuditResult(file=row[1], agency=report.agency, year=report.year, template=report.template,
                                  tables=report.tables, findings=findings)
    else:
        view.result = AuditResult(file=row[1], agency=row[2], year=row[3], template=TemplateGuess(),
                                  findings=findings)
    return view


def result_with(view: StoredReportView, fingerprints: set[str]) -> AuditResult:
    """The report's result holding only the findings named (the confirmed ones, for a memo)."""
    kept = [item["finding"] for item in view.findings if item["fingerprint"] in fingerprints]
    return view.result.model_copy(update={"findings": kept})


# -------------------------------------------------------------------- evidence

class SourceLines:
    """The text lines of stored report files, read once per page (text and HTML only)."""

    def __init__(self) -> None:
        self.files: dict[str, Optional[list[str]]] = {}

    def lines(self, file: str) -> Optional[list[str]]:
        if file not in self.files:
            text = None
            if Path(file).suffix.lower() in TEXT_SUFFIXES:
                try:
                    data = Path(file).read_bytes()
                    if len(data) <= 20 * (1 << 20):
                        text = decode_bytes(data)[0].splitlines()
                except (OSError, LoadError):
                    text = None
            self.files[file] = text
        return self.files[file]


@dataclass
class Excerpt:
    where: str
    lines: list[tuple[int, str, bool]]  # (number, text, the line pointed at)
    sentence: str = ""  # marked inside the lines


def evidence(finding: Finding, file: str, sources: SourceLines) -> list[Excerpt]:
    """The source lines of the finding (its own location, else its cells'), a few around each."""
    places: list[Source] = []
    if finding.source is not None:
        places.append(finding.source)
    places += [c.source for c in finding.cells if c.source is not None]
    out: list[Excerpt] = []
    seen: set[tuple[str, int]] = set()
    for source in places:
        if source.line is None or (source.file, source.line) in seen:
            continue
        seen.add((source.file, source.line))
        lines = sources.lines(source.file or file)
        if not lines or source.line > len(lines):
            continue
        start, end = max(1, source.line - EXCERPT_LINES), min(len(lines), source.line + EXCERPT_LINES)
        out.append(Excerpt(where=source.short(), sentence=finding.sentence or "",
                           lines=[(n, lines[n - 1][:400], n == source.line) for n in range(start, end + 1)]))
        if len(out) >= 3:
            break
    return out


def split_line(text: str, sentence: str) -> list[tuple[str, bool]]:
    """A line cut around the sentence it holds: (part, is the sentence)."""
    if not sentence or sentence not in text:
        return [(text, False)]
    before, _, after = text.partition(sentence)
    return [(before, False), (sentence, True), (after, False)]


def suspects(finding: Finding) -> tuple[list[Suspect], list[Suspect]]:
    """(the best correction's cells, the alternatives'), as the table marks them."""
    has_best = {s.group for s in finding.suspects if s.best}
    best, other = [], []
    for suspect in finding.suspects:
        primary = suspect.rank == 1 and (suspect.best or suspect.group not in has_best)
        (best if primary else other).append(suspect)
    return best, other


def relation_words(finding: Finding, lang: str) -> str:
    """The relation in words: the catalogue's title of the code (rules and built-in codes)."""
    return title(finding.code, lang)
