"""Findings: what an audit says about one report. Plain data that round-trips through JSON."""
from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from .report import JsonDecimal, Source, Table, TemplateGuess


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
    model_config = ConfigDict(frozen=True)

    table: str
    row: str
    column: str
    label: str = ""  # the row and column as printed in the template ("（七）总计 / 自然人")
    raw: str = ""
    value: Optional[JsonDecimal] = None
    state: str = "missing"
    source: Optional[Source] = None
    file: Optional[str] = None  # set on cross-report findings


class Suspect(BaseModel):
    """A cell of a minimal correction that changes a failing relation (locate): the value printed,
    the value the relations need, and why this cell rather than another."""

    model_config = ConfigDict(frozen=True)

    table: str
    row: str
    column: str
    label: str = ""
    current: int
    proposed: int
    reason: str = ""
    slip: Optional[str] = None  # the slip's code (auditor/locate/slips.py), e.g. "digits_swapped"
    unique: bool = False  # the relations' group has exactly one minimal correction
    rank: int = 1  # 1 = the best correction of its group
    group: int = 1
    check_source: bool = False  # read with doubt: check the source before blaming the report
    best: bool = False  # ranked first by the slip evidence among equally small corrections


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

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
    # After locate: the cells of the minimal corrections that change this relation, best-ranked
    # first; ties for the best rank are all listed.
    suspects: tuple[Suspect, ...] = ()
    sentence: Optional[str] = None  # kind "narrative": the sentence of the 正文 the claim comes from


class CorrectionCell(BaseModel):
    """One cell of a proposed correction: the value printed and the value the relations need."""

    table: str
    row: str
    column: str
    label: str = ""  # the cell as printed in the template, in the run's language
    current: JsonDecimal
    proposed: JsonDecimal
    reason: str = ""  # the human slip that explains the change ("两位数字颠倒"), "" when none is seen
    slip: Optional[str] = None  # the slip's code (auditor/slips.py), e.g. "digits_swapped"
    state: str = "number"  # the cell's state as read; "uncertain"/"inferred" ask to check the source
    check_source: bool = False  # read with doubt: check the source before blaming the report


class Correction(BaseModel):
    """A smallest set of cells whose change makes every hard relation of its group hold (locate.py).

    ``group`` numbers the independent sets of failing relations; ``rank`` orders the alternative
    minimal corrections of one group (1 = best: fewest/cheapest cells, then human-slip evidence).
    ``unique`` says whether this group has exactly one minimal correction. A group with no
    correction within the search limit has one entry with no cells and says so in ``reason``.
    """

    rank: int
    group: int = 1
    cells: list[CorrectionCell] = Field(default_factory=list)
    reason: str = ""
    unique: bool = False
    cost: JsonDecimal = Decimal(0)  # the sum of the cells' weights (1 each by default)
    relations: list[str] = Field(default_factory=list)  # the failing relations it resolves


class ClaimNote(BaseModel):
    """A claim of the narrative that could not be compared with the tables, and why."""

    code: str
    text: str  # the claim as matched, e.g. "较去年回落12.3%"
    sentence: str
    reason: str  # in the run's language
    source: Optional[Source] = None


class YearOnYearClaim(BaseModel):
    """A year-on-year claim of the narrative ("申请数量较去年回落12.3%") whose subject is known, kept
    so that it can be checked once last year's report of the same agency is at hand: the pair stage
    of a batch (from the store) or ``auditor check`` given both years."""

    text: str  # the claim as matched
    sentence: str
    value: Decimal  # the printed percentage, unsigned (a string in JSON: exact)
    decimals: int
    number_text: str
    direction: int  # +1 up, -1 down
    specs: list[str]  # the claims vocabulary's ids of the subject
    source: Optional[Source] = None


class ClaimSummary(BaseModel):
    """Coverage of the narrative check (auditor/narrative): claims found, compared, agreeing."""

    found: int = 0
    checked: int = 0
    agreed: int = 0
    agreed_on_blank: int = 0  # agreed only with blank cells read as 0 (or a blank 总计 as its row's sum)
    not_checked: list[ClaimNote] = Field(default_factory=list)
    old_table_sums: int = 0  # pre-2019 统计表: parent = sum of children relations checked
    # the year-on-year claims, for the check against last year's report; not in the JSON output
    year_on_year: list[YearOnYearClaim] = Field(default_factory=list, exclude=True)


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
    corrections: list[Correction] = Field(default_factory=list)  # locate.py: best first
    claims: ClaimSummary = Field(default_factory=ClaimSummary)  # auditor/narrative: coverage of the 正文 check
    # The parsed tables, for formatters that show them (HTML report, memo); not in the JSON output.
    tables: dict[str, Table] = Field(default_factory=dict, exclude=True)
    # The narrative's paragraphs as printed, kept by the batch store for next year's copied-text check.
    narrative: list[str] = Field(default_factory=list, exclude=True)

    def worst(self) -> Optional[Severity]:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)


class AuditRun(BaseModel):
    """What ``auditor check --format json`` prints. ``fail_on`` is the run's fail level (--fail-on);
    ``failing`` counts the findings at or above it: the exit status is 1 exactly when it is > 0."""

    tool: str = "auditor"
    version: str = ""
    fail_on: Literal["error", "warning", "review", "info", "never"] = "error"
    failing: int = 0  # findings at or above fail_on, over all reports
    reports: list[AuditResult] = Field(default_factory=list)


# A report's review status, as the reports lists show it (the store's SQL and the HTML report).
# A finding with one of these codes means a statutory table could not be checked; one of these kinds
# (the report's own finding) means the file itself could not be audited.
NOT_ASSESSABLE_CODES = ("TABLE-ABSENT", "PRE-2019")
FAILED_KINDS = ("file", "limit", "internal")
REPORT_STATUSES = ("clean", "findings", "not_assessable", "failed")


def report_status(result: AuditResult) -> str:
    """clean, findings (an error, warning or review on the content), not_assessable or failed.
    Findings on the content come before "not assessable", as in the store's list."""
    own = [f for f in result.findings if not f.file or f.file == result.file]
    if any(f.kind in FAILED_KINDS for f in own):
        return "failed"
    if any(f.severity.value in ("error", "warning", "review") and f.code not in NOT_ASSESSABLE_CODES
           and f.kind not in FAILED_KINDS for f in result.findings):
        return "findings"
    if any(f.code in NOT_ASSESSABLE_CODES for f in result.findings):
        return "not_assessable"
    return "clean"
