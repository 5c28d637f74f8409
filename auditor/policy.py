"""What the run decides rather than the rule: the fail level (``--fail-on``) and which findings fail.

One meaning everywhere: a finding *fails* when its severity (after ``--severity``) is at or above the
fail level; the exit status is 1 exactly when some finding fails. The CLI, batch and every output
format ask this module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from .limits import DEFAULT as DEFAULT_LIMITS
from .limits import Limits
from .model.findings import AuditResult, Finding, Severity
from .model.report import Report

DEFAULT_FAIL_ON = "error"  # the CLI's default; formatters called without fail_on use it too
FAIL_LEVELS = ("error", "warning", "review", "info", "never")


def threshold(fail_on: Optional[str]) -> Optional[Severity]:
    """The lowest failing severity; None for "never"."""
    level = fail_on or DEFAULT_FAIL_ON
    return None if level == "never" else Severity(level)


def fails(finding: Finding, fail_on: Optional[str]) -> bool:
    lowest = threshold(fail_on)
    return lowest is not None and finding.severity.rank >= lowest.rank


def result_fails(result: AuditResult, fail_on: Optional[str]) -> bool:
    """Some finding of the report fails the run."""
    return any(fails(f, fail_on) for f in result.findings)


def failing_count(results, fail_on: Optional[str]) -> int:
    """Findings at or above the fail level: the exit status is 1 exactly when this is > 0."""
    return sum(fails(f, fail_on) for r in results for f in r.findings)


@dataclass
class RunConfig:
    """What the run decides rather than the rule: language, severities, disabled codes."""

    lang: str = "zh"
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    # Error localisation (locate.py): report -> {CellKey or (table, row, column): weight}; a cell
    # confirmed elsewhere (another table, last year's report) weighs more, so costs more to change.
    cell_weights: Optional[Callable[[Report], dict]] = None
    limits: Limits = DEFAULT_LIMITS  # what one input file may cost (limits.py)

    def severity(self, code: str, default: Severity) -> Severity:
        return self.severity_overrides.get(code, default)
