"""What every document check reads: the report, its document as folded lines with their sources, the
run's settings and the publication date given for the file. Built once per report; the parts of the
national format are found once (``structure.find_parts``) and shared."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Optional

from ...catalogue import lookup
from ...model.findings import Finding, Severity, Status
from ...model.report import Document, Report, Source
from ...policy import RunConfig
from .knowledge import Knowledge, knowledge
from .parts import PartHeading, find_parts
from .text import DocumentText


@dataclass
class Context:
    report: Report
    document: Document
    config: RunConfig
    published: Optional[dt.date] = None  # given with --published or the batch manifest

    @cached_property
    def text(self) -> DocumentText:
        return DocumentText.of(self.document)

    @cached_property
    def knowledge(self) -> Knowledge:
        return knowledge()

    @cached_property
    def parts(self) -> list[PartHeading]:
        return find_parts(self.text, self.knowledge)

    def finding(self, code: str, message_zh: str, message_en: str, source: Optional[Source] = None,
                sentence: Optional[str] = None) -> Finding:
        """A finding of a catalogue code at its default severity (the run applies its own later)."""
        problem = lookup(code)
        assert problem is not None, f"{code} is not in rules/catalogue.yaml"
        zh = f"{problem.title_zh}：{message_zh}"
        en = f"{problem.title_en}: {message_en}"
        return Finding(code=problem.code, name=problem.name, severity=Severity(problem.severity),
                       status=Status.failed, kind=problem.kind, message=zh if self.config.lang == "zh" else en,
                       message_zh=zh, message_en=en, file=self.report.file, source=source, sentence=sentence)
