"""Findings: what an audit says about one report. Plain data that round-trips through JSON."""
from __future__ import annotations

from enum import Enum
from typing import Optional

from pydantic import BaseModel, Field

from .model import JsonDecimal, Source, Table, TemplateGuess


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    review = "review"
    info = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "review": 1, "info": 0}[self.value]


class Status(str, Enum):
    failed = "failed"  # the relation does not hold
    not_filled = "not_filled"  # fails only because a blank cell is read as 0
    not_assessable = "not_assessable"  # missing or text operands
    problem = "problem"  # a file, extraction or internal problem (no relation)


class FindingCell(BaseModel):
    table: str
    row: str
    column: str
    label: str = ""  # the row and column as printed in the template ("（七）总计 / 自然人")
    raw: str = ""
    value: Optional[JsonDecimal] = None
    state: str = "missing"
    source: Optional[Source] = None
    file: Optional[str] = None  # set on cross-report findings


class Finding(BaseModel):
    code: str
    name: str = ""
    severity: Severity
    status: Status = Status.failed
    kind: str = "table"  # table | file | extraction | template | internal | narrative
    message: str  # in the run's language
    message_zh: str = ""
    message_en: str = ""
    relation: Optional[str] = None  # as written, variables bound
    bindings: dict[str, str] = Field(default_factory=dict)  # the rule's for_each values, e.g. {"column": "total"}
    reported: Optional[JsonDecimal] = None
    computed: Optional[JsonDecimal] = None
    difference: Optional[JsonDecimal] = None
    required: Optional[JsonDecimal] = None  # value a blank cell would need (not_filled)
    cells: list[FindingCell] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)  # operands not found / not numbers
    rests_on_blank: bool = False
    rests_on_uncertain: bool = False
    file: Optional[str] = None
    source: Optional[Source] = None
    suspects: list[dict] = Field(default_factory=list)


class AuditStats(BaseModel):
    relations: int = 0
    passed: int = 0
    passed_on_blank: int = 0
    failed: int = 0
    not_filled: int = 0
    not_assessable: int = 0


class AuditResult(BaseModel):
    """One report's audit: identity, template, findings."""

    file: str
    agency: Optional[str] = None
    year: Optional[int] = None
    template: TemplateGuess = Field(default_factory=TemplateGuess)
    findings: list[Finding] = Field(default_factory=list)
    stats: AuditStats = Field(default_factory=AuditStats)
    # The parsed tables, for formatters that show them (HTML report, memo); not in the JSON output.
    tables: dict[str, Table] = Field(default_factory=dict, exclude=True)

    def worst(self) -> Optional[Severity]:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)


class AuditRun(BaseModel):
    """What ``auditor check --format json`` prints."""

    tool: str = "auditor"
    version: str = ""
    reports: list[AuditResult] = Field(default_factory=list)
